"""Process-level settings shared by the service's processes (worker, API, projector) and the benchmarks."""
