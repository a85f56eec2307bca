"""Benchmarks run by ``make bench``: remote calls counted at the stand-in, times with latency."""
