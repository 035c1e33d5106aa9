"""The chatbot analysis on the committed evaluation set (tests/data/chatbot_eval.jsonl): category top-1 accuracy
against the demo's wrap-up pairs (services/demo_wrap_up.py), sentiment accuracy, and the time per conversation
(summary, sentiment and category together). Targets (issue 14): ≥ 80 %, ≥ 85 %, ≤ 50 ms.

    python -m bench.chatbot_eval            # the figures
    python -m bench.chatbot_eval --misses   # and every conversation it got wrong

A conversation the classifier declines (below its confidence threshold) counts as a miss for accuracy and is
also reported on its own: declining is the right answer only when no pair fits.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from services.chatbot import analysis, sentiment
from services.chatbot.turns import Turn
from services.demo_wrap_up import WRAP_UP

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "chatbot_eval.jsonl"


def load(path: Path = EVAL_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def evaluate(rows: list[dict]) -> dict:
    categories = list(WRAP_UP)
    analysis.analyse([Turn("customer", "warm up the lexicon and the segmenter")], categories)
    category_hits = sentiment_hits = declined = 0
    misses = []
    started = time.perf_counter()
    for row in rows:
        turns = [Turn(t["author"], t["text"]) for t in row["turns"]]
        result = analysis.analyse(turns, categories)
        pair_ok = (result.category, result.subcategory) == (row["category"], row["subcategory"])
        mood_ok = result.sentiment == row["sentiment"]
        category_hits += pair_ok
        sentiment_hits += mood_ok
        declined += not result.category
        if not (pair_ok and mood_ok):
            misses.append((row["id"], row["category"], row["subcategory"], row["sentiment"], result))
    elapsed = time.perf_counter() - started
    return {"conversations": len(rows), "category_accuracy": category_hits / len(rows),
            "sentiment_accuracy": sentiment_hits / len(rows), "declined": declined,
            "ms_per_conversation": 1000 * elapsed / len(rows), "misses": misses}


def main(argv: list[str]) -> None:
    figures = evaluate(load())
    print(f"chatbot analysis on {figures['conversations']} conversations ({EVAL_SET.name}), "
          f"{analysis.METHOD}")
    print(f"  category top-1 accuracy {figures['category_accuracy']:6.1%}  (target >= 80 %; "
          f"{figures['declined']} declined below the threshold)")
    print(f"  sentiment accuracy      {figures['sentiment_accuracy']:6.1%}  (target >= 85 %; "
          f"VADER, thresholds ±{sentiment.THRESHOLD})")
    print(f"  time per conversation   {figures['ms_per_conversation']:6.2f} ms (target <= 50 ms)")
    if "--misses" in argv:
        for conversation, category, subcategory, mood, result in figures["misses"]:
            print(f"  {conversation}: expected {category}/{subcategory} {mood}; got "
                  f"{result.category or '-'}/{result.subcategory or '-'} ({result.category_confidence:.2f}) "
                  f"{result.sentiment} ({result.sentiment_score:+.2f})")


if __name__ == "__main__":
    main(sys.argv[1:])
