"""Whether a finished bot conversation is worth a case (the seed: only a valid conversation creates one).

The rule: the customer must have asked for something. At least one customer turn must hold a content word,
a word of two letters or more that is neither a stop word ("where", "is", "my") nor a greeting or pleasantry
("hi", "hello", "thanks", "ok", "bye"). So "Where is my order?" and "refund" are valid; a conversation whose
customer only said "hi", "hello?" or "ok thanks bye", or never wrote at all, is not, and the reason is kept.
"""

from __future__ import annotations

from services.chatbot.turns import Turn
from services.chatbot.words import content_words

NO_CUSTOMER_TURN = "The customer never wrote."
ONLY_GREETINGS = "The customer wrote only greetings or pleasantries, no request."


def not_valid_reason(turns: list[Turn]) -> str:
    """Empty when the conversation is valid for a case; otherwise why it is not."""
    customer = [turn for turn in turns if turn.author == "customer" and turn.text.strip()]
    if not customer:
        return NO_CUSTOMER_TURN
    if not any(content_words(turn.text) for turn in customer):
        return ONLY_GREETINGS
    return ""
