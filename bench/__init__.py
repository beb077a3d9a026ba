"""Benchmarks: run by `make bench`, results written under bench/results/ and quoted in README."""
