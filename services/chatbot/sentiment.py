"""Sentiment: VADER (vaderSentiment, which ships its lexicon) over the customer's turns. Later turns weigh more
(turn i of n weighs i + 1): how the customer feels by the end of the conversation matters most. The standard
VADER thresholds: compound ≥ 0.05 positive, ≤ -0.05 negative, neutral between."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
THRESHOLD = 0.05
METHOD = f"vader-{version('vaderSentiment')}/later-turns-weighted"


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # the weighted compound score, -1 … 1


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads the lexicon from the installed package, once


def label_for(score: float) -> str:
    return POSITIVE if score >= THRESHOLD else NEGATIVE if score <= -THRESHOLD else NEUTRAL


def sentiment(customer_texts: list[str]) -> Sentiment:
    texts = [text for text in customer_texts if text.strip()]
    if not texts:
        return Sentiment(NEUTRAL, 0.0)
    analyzer = _analyzer()
    weights = range(1, len(texts) + 1)
    total = sum(w * analyzer.polarity_scores(text[:2000])["compound"] for w, text in zip(weights, texts))
    score = round(total / sum(weights), 4)
    return Sentiment(label_for(score), score)
