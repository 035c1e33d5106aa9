"""A chatbot conversation in a verified customer's history: its turns, and what was worked out from them on
this machine (summary, sentiment, category), labelled as auto-generated."""

from __future__ import annotations

import reflex as rx

_SENTIMENT_COLORS = {"positive": "green", "neutral": "gray", "negative": "red"}


def _turn(turn) -> rx.Component:
    is_bot = turn.author == "bot"
    return rx.vstack(
        rx.box(
            rx.text(turn.body, size="2", white_space="pre-wrap", word_break="break-word"),
            background=rx.cond(is_bot, "var(--violet-3)", "var(--gray-3)"), color="var(--gray-12)",
            padding="6px 10px", border_radius="10px", max_width="75%",
        ),
        rx.hstack(rx.cond(is_bot, rx.icon("bot", size=11)), rx.moment(turn.at_iso, format="HH:mm", local=True),
                  spacing="1", align="center", font_size="11px", color="var(--gray-11)"),
        align=rx.cond(is_bot, "end", "start"), width="100%", spacing="1",
        data_testid="message", data_author=turn.author,
    )


def _sentiment_badge(item) -> rx.Component:
    return rx.badge(rx.match(item.sentiment, ("positive", "Positive"), ("negative", "Negative"), "Neutral"),
                    color_scheme=rx.match(item.sentiment, *_SENTIMENT_COLORS.items(), "gray"), variant="soft",
                    size="1", title="Customer sentiment, auto-generated (VADER)", data_testid="chatbot-sentiment")


def chatbot_transcript(item) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("bot", size=14, color="var(--violet-11)"),
            rx.text(item.label, size="1", weight="medium", color="var(--gray-11)"),
            _sentiment_badge(item),
            rx.cond(item.category, rx.badge(item.category, variant="outline", size="1", color_scheme="gray",
                                                  title="Category, auto-generated")),
            spacing="2", align="center", width="100%",
        ),
        rx.cond(item.body, rx.box(
            rx.text(rx.text.strong("Summary "), rx.text.span("(auto-generated): ", color="var(--gray-11)"),
                    item.body, size="2"),
            data_testid="chatbot-summary", padding="6px 10px", border_left="3px solid var(--violet-7)",
            background="var(--gray-2)", width="100%",
        )),
        rx.cond(item.hidden_turns > 0,
                rx.text(item.hidden_turns.to_string() + " earlier turns not shown", size="1",
                        color="var(--gray-11)", align="center", width="100%")),
        rx.foreach(item.turns, _turn),
        width="100%", spacing="2", padding="10px 12px", border="1px dashed var(--gray-6)", border_radius="10px",
        data_testid="chatbot-transcript", data_sentiment=item.sentiment,
        role="group", aria_label=item.label,
    )
