"""The alternative category classifier issue 14 asked to measure: wordllama embeddings (a small static-embedding
model whose weights ship inside its PyPI package), behind the same interface as services/chatbot/classifier.py
(`scores`, `classify`, `MIN_MARGIN`, `METHOD`). bench/chatbot_eval.py compares the two; the product uses TF-IDF
(README, "Chatbot transcripts"), so this lives in bench/ and wordllama is only in the `bench` extra.

Each pair is one text: its category and subcategory, its description and its examples. The query is the
customer's turns that carry a request (courtesy turns such as "Ok." or "Thanks!" have no content word and are
left out, as validity and sentiment do). Score: the cosine of the two mean-pooled, normalised embeddings.

Threshold, on principle rather than fitted to the evaluation set: embeddings of unrelated texts are not
orthogonal, so a fixed cosine means nothing by itself. The floor is the median cosine between two *different*
pairs of the organization: a conversation no closer to its best pair than the organization's pairs are to one
another says nothing about which pair it is. It follows managers' edits of descriptions and examples. The
runner-up margin is the TF-IDF one's: within 0.01 the choice is a coin toss.

Loading makes no network access: `disable_download=True`, and `cache_dir` is the package itself, because
wordllama 0.4.0.post1 looks for its bundled tokenizer under `tokenizer/` while the wheel ships it under
`tokenizers/` (without this it would fetch it from Hugging Face).
"""

from __future__ import annotations

import statistics
from functools import lru_cache
from importlib.metadata import version

from services.chatbot.classifier import CategoryText, Choice
from services.chatbot.turns import Turn
from services.chatbot.words import content_words

MODEL = "l2_supercat_256"  # the one configuration whose weights ship in the wheel
MIN_MARGIN = 0.01
METHOD = (f"wordllama-{version('wordllama')} {MODEL} cosine "
          f"(min: median cosine between pairs, margin {MIN_MARGIN})")


@lru_cache(maxsize=1)
def model():
    """Loaded once per process (every worker that classified would pay this; bench/chatbot_eval.py reports it)."""
    from pathlib import Path

    import wordllama

    return wordllama.WordLlama.load(config="l2_supercat", dim=256, cache_dir=Path(wordllama.__file__).parent,
                                    disable_download=True)


def _pair_text(c: CategoryText) -> str:
    return f"{c.category} {c.subcategory}. {c.description} {c.examples.replace(chr(10), '. ')}"


@lru_cache(maxsize=64)
def _index(categories: tuple[CategoryText, ...]):
    vectors = model().embed([_pair_text(c) for c in categories], norm=True)
    if len(categories) > 1:
        cosines = vectors @ vectors.T
        floor = statistics.median(float(cosines[i, j]) for i in range(len(categories))
                                  for j in range(len(categories)) if i != j)
    else:
        floor = 0.0
    return vectors, floor


def min_score(categories: list[CategoryText]) -> float:
    """The confidence floor for these pairs: the median cosine between two different pairs."""
    return round(_index(tuple(categories))[1], 4) if categories else 0.0


def _query(turns: list[Turn]) -> str:
    return " ".join(t.text for t in turns if t.author == "customer" and content_words(t.text))


def scores(turns: list[Turn], categories: list[CategoryText]) -> list[Choice]:
    """Every pair with its cosine, best first (all 0 when the customer wrote nothing with content)."""
    if not categories:
        return []
    vectors, _ = _index(tuple(categories))
    text = _query(turns)
    cosines = vectors @ model().embed([text], norm=True)[0] if text else [0.0] * len(categories)
    ranked = [Choice(c.category, c.subcategory, round(float(cosine), 4)) for c, cosine in zip(categories, cosines)]
    return sorted(ranked, key=lambda choice: -choice.confidence)


def classify(turns: list[Turn], categories: list[CategoryText]) -> Choice | None:
    """The nearest pair, or None when the best is not above the floor or too close to the runner-up."""
    ranked = scores(turns, categories)
    if not ranked or ranked[0].confidence <= min_score(categories):
        return None
    if len(ranked) > 1 and ranked[0].confidence - ranked[1].confidence < MIN_MARGIN:
        return None
    return ranked[0]
