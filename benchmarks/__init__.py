"""Benchmarks of the kernel against the raw tools it wraps, reported as ratios.

Run them from the repository root with ``python -m benchmarks``; they are not part of the test
suite and never fail a build.
"""
