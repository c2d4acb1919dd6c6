"""Benchmark harness for Shopkeep: `python -m bench.run` (see bench/README.md)."""
