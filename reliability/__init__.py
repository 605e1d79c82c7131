"""Reliability tooling: mixed load with a model of what was acknowledged,
faults to inject under it, and `make soak`, which writes RELIABILITY.md."""
