"""Benchmarks that print figures (``make bench``); nothing here is a timed assertion."""
