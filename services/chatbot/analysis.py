"""The analysis of one bot conversation: summary, sentiment and category, with the method and versions that
produced them (stored beside every result, so a later, better method can tell its results apart)."""

from __future__ import annotations

from dataclasses import dataclass

from services.chatbot import classifier, sentiment, summary
from services.chatbot.classifier import CategoryText
from services.chatbot.turns import Turn, customer_texts

METHOD = f"summary={summary.METHOD}; sentiment={sentiment.METHOD}; category={classifier.METHOD}"


@dataclass(frozen=True)
class Analysis:
    summary: str
    sentiment: str
    sentiment_score: float
    category: str  # empty: not confident
    subcategory: str
    category_confidence: float
    method: str = METHOD


def analyse(turns: list[Turn], categories: list[CategoryText]) -> Analysis:
    mood = sentiment.sentiment(customer_texts(turns))
    choice = classifier.classify(turns, categories)
    return Analysis(summary=summary.summarize(turns), sentiment=mood.label, sentiment_score=mood.score,
                    category=choice.category if choice else "", subcategory=choice.subcategory if choice else "",
                    category_confidence=choice.confidence if choice else 0.0)
