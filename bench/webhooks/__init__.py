"""Twilio webhook benchmark (issue 9): `python -m bench.webhooks`; see __main__.py and bench/README.md."""
