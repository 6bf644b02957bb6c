"""Provides the benchmark suite of issue 7: `python -m benchmarks` (see docs/benchmarks.md)."""
