"""An extractive summary of a bot conversation, at most three sentences taken as written:

1. the customer's first request: the first customer sentence that asks for something (not a greeting);
2. the most central sentence of the rest: the one whose words are closest (cosine) to the whole conversation's;
3. the bot's resolution line: its last sentence that is not a pleasantry ("Anything else?", "Have a nice day").

Sentences are split with pysbd. Each kept sentence says who wrote it ("Customer: …", "Bot: …").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

import pysbd

from services.chatbot.turns import Turn
from services.chatbot.words import content_words

METHOD = f"pysbd-{version('pysbd')}/first-request+central+resolution"
MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 240
_LABELS = {"customer": "Customer", "bot": "Bot"}


@dataclass(frozen=True)
class _Sentence:
    position: int
    author: str
    text: str
    words: Counter


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _sentences(turns: list[Turn]) -> list[_Sentence]:
    found: list[_Sentence] = []
    for turn in turns:
        for piece in _segmenter().segment(" ".join(turn.text.split())[:2000]):
            piece = piece.strip()
            if piece:
                found.append(_Sentence(len(found), turn.author, piece, Counter(content_words(piece))))
    return found


def _cosine(a: Counter, b: Counter) -> float:
    dot = sum(count * b[word] for word, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SENTENCE_CHARS else text[: MAX_SENTENCE_CHARS - 1].rstrip() + "…"


def summarize(turns: list[Turn]) -> str:
    sentences = [s for s in _sentences(turns) if s.words]  # greetings and pleasantries say nothing
    if not sentences:
        return ""
    chosen: dict[int, _Sentence] = {}
    first = next((s for s in sentences if s.author == "customer"), None)
    if first:
        chosen[first.position] = first
    resolution = next((s for s in reversed(sentences) if s.author == "bot"), None)
    whole = sum((s.words for s in sentences), Counter())
    rest = [s for s in sentences if s.position not in chosen and s is not resolution]
    room = MAX_SENTENCES - len(chosen) - (1 if resolution else 0)
    for central in sorted(rest, key=lambda s: (-_cosine(s.words, whole), s.position))[:max(room, 0)]:
        chosen[central.position] = central
    if resolution:
        chosen[resolution.position] = resolution
    parts, last_author = [], ""
    for sentence in sorted(chosen.values(), key=lambda s: s.position):
        label = f"{_LABELS[sentence.author]}: " if sentence.author != last_author else ""
        parts.append(label + _clip(sentence.text))
        last_author = sentence.author
    return " ".join(parts)
