"""Benchmarks run by ``make bench`` (and, at a small size, by the test suite)."""
