"""Category and subcategory: the nearest of the organization's wrap-up pairs, by TF-IDF cosine similarity.

Each pair is a small document: its category and subcategory (counted twice: the names are the strongest
evidence), its optional description and its example requests, which managers edit on /settings/wrap-up.
IDF is computed over the organization's own pairs, so a word every pair shares ("order") counts for little
and a word one pair owns ("cancel") for much. The conversation's customer turns are the query; the bot's
turns count half (they often restate the request in the shop's own words).

Below a confidence threshold nothing is returned: an empty category is better than a wrong one. Confidence is
the best pair's cosine; the runner-up must also trail it by a margin, or the choice is a coin toss.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from services.chatbot.turns import Turn
from services.chatbot.words import content_words

VERSION = "1"
MIN_SCORE = 0.10  # measured on tests/data/chatbot_eval.jsonl (bench/chatbot_eval.py)
MIN_MARGIN = 0.01
METHOD = f"tfidf-cosine/v{VERSION} (min {MIN_SCORE}, margin {MIN_MARGIN})"
BOT_WEIGHT = 0.5


@dataclass(frozen=True)
class CategoryText:
    category: str
    subcategory: str
    description: str = ""
    examples: str = ""


@dataclass(frozen=True)
class Choice:
    category: str
    subcategory: str
    confidence: float  # the cosine of the best pair, 0 … 1


@dataclass(frozen=True)
class _Index:
    pairs: tuple[tuple[str, str], ...]
    idf: dict[str, float]
    vectors: tuple[dict[str, float], ...]


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {word: w / norm for word, w in weights.items()} if norm else {}


@lru_cache(maxsize=64)
def _index(categories: tuple[CategoryText, ...]) -> _Index:
    documents = []
    for c in categories:
        names = f"{c.category} {c.subcategory}"
        documents.append(Counter(content_words(f"{names} {names} {c.description} {c.examples}")))
    count = len(documents)
    frequency = Counter(word for document in documents for word in document)
    idf = {word: math.log((1 + count) / (1 + df)) + 1 for word, df in frequency.items()}
    vectors = tuple(_normalised({w: (1 + math.log(tf)) * idf[w] for w, tf in d.items()}) for d in documents)
    return _Index(tuple((c.category, c.subcategory) for c in categories), idf, vectors)


def _query(turns: list[Turn], idf: dict[str, float]) -> dict[str, float]:
    counts: Counter = Counter()
    for turn in turns:
        weight = 1.0 if turn.author == "customer" else BOT_WEIGHT
        for word in content_words(turn.text):
            if word in idf:
                counts[word] += weight
    return _normalised({w: (1 + math.log(tf)) * idf[w] if tf >= 1 else tf * idf[w] for w, tf in counts.items()})


def scores(turns: list[Turn], categories: list[CategoryText]) -> list[Choice]:
    """Every pair with its cosine, best first."""
    if not categories:
        return []
    index = _index(tuple(categories))
    query = _query(turns, index.idf)
    ranked = [Choice(category, subcategory, round(sum(w * vector.get(word, 0.0) for word, w in query.items()), 4))
              for (category, subcategory), vector in zip(index.pairs, index.vectors)]
    return sorted(ranked, key=lambda choice: -choice.confidence)


def classify(turns: list[Turn], categories: list[CategoryText]) -> Choice | None:
    """The nearest pair, or None when the best is below MIN_SCORE or too close to the runner-up."""
    ranked = scores(turns, categories)
    if not ranked or ranked[0].confidence < MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[0].confidence - ranked[1].confidence < MIN_MARGIN:
        return None
    return ranked[0]
