"""Inbound email, the fourth channel: one worker at a time polls the IMAP mailbox (poller.py, mailbox.py), each
mail is parsed (parsing.py), its sender checked (authentication.py), threaded onto its case (threading.py,
tokens.py) and stored once by Message-ID (ingest.py)."""
