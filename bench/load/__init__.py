"""bench.load: a protocol-level load benchmark (run it with `python -m bench.load`; see __main__.py)."""
