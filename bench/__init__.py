"""Benchmarks: scripts that print figures (see bench/README.md); not part of the test suite."""
