"""Words as the chatbot analysis sees them: lower-case tokens, a light suffix stemmer (returns, returned,
returning → return), stop words, and the greetings and pleasantries that carry no request."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

STOP_WORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
further get got had hadn't has hasn't have haven't having he her here hers herself him himself his how i i'd i'll
i'm i've if in into is isn't it it's its itself just let's me more most my myself no nor not of off on once only
or other ought our ours ourselves out over own please same she should shouldn't so some such than that that's the
their theirs them themselves then there there's these they they're this those through to too under until up very
was wasn't we we're were weren't what what's when where which while who whom why will with won't would wouldn't
you you're your yours yourself also still want need would like could know think see go going one two
""".split())

# Words that open, close or fill a chat without asking for anything.
GREETINGS = frozenset("""
hi hello hey hiya yo morning afternoon evening good thanks thank thx ty cheers ok okay k sure yes yeah yep no nope
bye goodbye great fine cool alright test testing anyone human agent help hmm um uh lol bot
""".split())
# What a bot (or a polite customer) says around the request: "Anything else I can help you with today?"
PLEASANTRIES = frozenset("""
anything else today nice lovely day welcome glad happy assist assistance wonderful awesome perfect appreciate
further questions question chat chatting reach contacting there's someone something
""".split())

_SUFFIXES = ("abilities", "ability", "ations", "ation", "ments", "ment", "able", "ible", "ings", "ing", "ied", "ies",
             "ed", "es", "ly", "s")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def stem(word: str) -> str:
    """A light suffix stripper, enough to meet `cancelled` with `cancellation` and `returns` with `return`."""
    word = word.split("'")[0]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix in ("ied", "ies"):
                word += "y"
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "s":  # shipped → ship, cancelled → cancel
        word = word[:-1] if word[-1] != "l" or len(word) > 5 else word
    if word[-1:] in ("e", "y") and len(word) > 3:  # size, sizing → siz; delivery, delivered → deliver
        word = word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The stemmed words that can carry a request: no stop words, no greetings, no single letters."""
    return [stem(t) for t in tokens(text)
            if t not in STOP_WORDS and t not in GREETINGS and t not in PLEASANTRIES and len(t) > 1]
