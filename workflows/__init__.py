"""Temporal workflows: thin deterministic shells around the domain. Every side effect is an activity."""
