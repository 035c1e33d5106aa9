"""The chatbot analysis on its own: the validity rule, sentiment weighting, the extractive summary, the
classifier's threshold, and the committed evaluation set still meeting its targets (figures, not timing)."""

from __future__ import annotations

import pytest

from bench.chatbot_eval import evaluate, load
from services.chatbot import classifier, sentiment, summary, validity
from services.chatbot.classifier import CategoryText
from services.chatbot.turns import Turn
from services.demo_wrap_up import WRAP_UP


def _turns(*texts: str) -> list[Turn]:
    return [Turn("customer" if i % 2 == 0 else "bot", text) for i, text in enumerate(texts)]


@pytest.mark.parametrize("texts, reason", [
    ((), validity.NO_CUSTOMER_TURN),
    (("   ",), validity.NO_CUSTOMER_TURN),
    (("hi",), validity.ONLY_GREETINGS),
    (("Hello?", "Hi, how can I help?", "hello hello"), validity.ONLY_GREETINGS),
    (("ok thanks, have a nice day",), validity.ONLY_GREETINGS),
    (("Where is my order?",), ""),
    (("refund",), ""),
    (("hi", "Hello! How can I help?", "My boots don't fit"), ""),
])
def test_the_validity_rule(texts, reason):
    assert validity.not_valid_reason(_turns(*texts)) == reason


def test_only_the_customer_turns_count_for_validity():
    assert validity.not_valid_reason([Turn("bot", "Your parcel is delayed"), Turn("customer", "ok")]) \
        == validity.ONLY_GREETINGS


def test_later_customer_turns_weigh_more():
    grumpy_then_glad = sentiment.sentiment(["This is awful.", "Wonderful, that fixed it, thank you so much!"])
    glad_then_grumpy = sentiment.sentiment(["Wonderful, thank you so much!", "This is awful."])
    assert grumpy_then_glad.label == "positive" and glad_then_grumpy.label == "negative"


def test_courtesies_and_requests_are_not_feelings():
    assert sentiment.sentiment(["Please cancel my order SO-12.", "Thanks."]) == sentiment.Sentiment("neutral", 0.0)
    assert sentiment.sentiment(["hi"]).label == "neutral"
    assert sentiment.sentiment([]) == sentiment.Sentiment("neutral", 0.0)


def test_the_summary_keeps_the_request_a_central_sentence_and_the_resolution():
    text = summary.summarize(_turns(
        "Hello!", "Hi, how can I help?",
        "I ordered the linen dress last week. It arrived with a torn seam. Can I send it back for a refund?",
        "I'm sorry about that. I have started a return and emailed you a prepaid label. Anything else?",
        "No, thanks!", "Have a lovely day!"))
    assert text.startswith("Customer: I ordered the linen dress last week.")
    assert "Bot: " in text and "prepaid label" in text
    assert text.count(". ") + text.count("? ") <= 3 and "lovely day" not in text and "Anything else" not in text


def test_a_summary_of_greetings_is_empty():
    assert summary.summarize(_turns("hi", "Hello!")) == ""


def test_the_classifier_picks_the_nearest_pair():
    choice = classifier.classify(_turns("The boots came scuffed, I want to send them back for a refund"),
                                 list(WRAP_UP))
    assert (choice.category, choice.subcategory) == ("Order", "Return")
    assert choice.confidence >= classifier.MIN_SCORE


@pytest.mark.parametrize("texts", [("hi",), ("Quantum chromodynamics lecture notes",), ("",)])
def test_below_the_threshold_the_classifier_returns_nothing(texts):
    turns = _turns(*texts)
    assert classifier.scores(turns, list(WRAP_UP))[0].confidence < classifier.MIN_SCORE
    assert classifier.classify(turns, list(WRAP_UP)) is None


def test_two_pairs_too_close_to_call_give_nothing():
    twins = [CategoryText("Order", "Return", "send back"), CategoryText("Order", "Refund", "send back")]
    assert classifier.classify(_turns("I want to send it back"), twins) is None
    assert classifier.classify(_turns("I want to send it back"), []) is None


def test_the_evaluation_set_meets_its_targets():
    rows = load()
    assert len(rows) >= 60
    pairs = {(c.category, c.subcategory) for c in WRAP_UP}
    assert all((r["category"], r["subcategory"]) in pairs for r in rows)
    assert {r["sentiment"] for r in rows} == {"positive", "neutral", "negative"}
    figures = evaluate(rows)
    assert figures["category_accuracy"] >= 0.80 and figures["sentiment_accuracy"] >= 0.85


def test_the_bench_compares_tfidf_with_wordllama_behind_the_same_interface():
    """bench/chatbot_embedding.py (the `bench` extra; skipped without it): same interface, same declining rule."""
    pytest.importorskip("wordllama")
    from bench import chatbot_embedding
    from bench.chatbot_eval import compare

    choice = chatbot_embedding.classify(_turns("The boots came scuffed, I want to send them back for a refund"),
                                        list(WRAP_UP))
    assert (choice.category, choice.subcategory) == ("Order", "Return")
    assert choice.confidence > chatbot_embedding.min_score(list(WRAP_UP))
    for texts in (("hi",), ("",), ("Thanks!",)):
        assert chatbot_embedding.classify(_turns(*texts), list(WRAP_UP)) is None
    assert chatbot_embedding.classify(_turns("I want to send it back"), []) is None
    figures = compare(load(), chatbot_embedding)
    assert figures["method"].startswith("wordllama-0.4.0.post1 ") and 0 <= figures["accuracy"] <= 1
