"""Secondary screens shown inside the inbox (registry.py is the extension point; catalog.py lists ours)."""
