"""Sentiment: VADER (vaderSentiment, which ships its lexicon) over the customer's turns. Later turns weigh more
(turn i of n weighs i + 1): how the customer feels by the end of the conversation matters most. The standard
VADER thresholds: compound ≥ 0.05 positive, ≤ -0.05 negative, neutral between.

Two adjustments for support conversations, each a rule about the genre, none about one conversation:
- a courtesy turn ("Ok.", "Thanks.", "Got it.": no content word, no exclamation mark) is not counted: it closes
  the chat politely and says nothing about how the customer feels; "Great, thanks!" still counts;
- words that name a request rather than a feeling weigh nothing: "please", and "cancel" (VADER scores
  "please cancel my order" as negative; the customer is asking, not complaining)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from services.chatbot.words import content_words

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
THRESHOLD = 0.05
METHOD = f"vader-{version('vaderSentiment')}/later-turns-weighted,courtesy-skipped"
REQUEST_WORDS = ("please", "cancel", "cancels", "cancelled", "canceled")


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # the weighted compound score, -1 … 1


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()  # reads the lexicon from the installed package, once
    for word in REQUEST_WORDS:
        analyzer.lexicon.pop(word, None)
    return analyzer


def is_courtesy(text: str) -> bool:
    return "!" not in text and not content_words(text)


def label_for(score: float) -> str:
    return POSITIVE if score >= THRESHOLD else NEGATIVE if score <= -THRESHOLD else NEUTRAL


def sentiment(customer_texts: list[str]) -> Sentiment:
    texts = [text for text in customer_texts if text.strip() and not is_courtesy(text)]
    if not texts:
        return Sentiment(NEUTRAL, 0.0)
    analyzer = _analyzer()
    weights = range(1, len(texts) + 1)
    total = sum(w * analyzer.polarity_scores(text[:2000])["compound"] for w, text in zip(weights, texts))
    score = round(total / sum(weights), 4)
    return Sentiment(label_for(score), score)
