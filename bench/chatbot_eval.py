"""The chatbot analysis on the committed evaluation set (tests/data/chatbot_eval.jsonl): category top-1 accuracy
against the demo's wrap-up pairs (services/demo_wrap_up.py), sentiment accuracy, and the time per conversation
(summary, sentiment and category together). Targets (issue 14): ≥ 80 %, ≥ 85 %, ≤ 50 ms.

    python -m bench.chatbot_eval            # the figures
    python -m bench.chatbot_eval --misses   # and every conversation it got wrong

A conversation the classifier declines (below its confidence threshold) counts as a miss for accuracy and is
also reported on its own: declining is the right answer only when no pair fits.

Then the category classifiers side by side, as issue 14 asked before choosing: the product's TF-IDF
(services/chatbot/classifier.py) and wordllama embeddings (bench/chatbot_embedding.py): top-1 accuracy, how many
declined, ms per conversation (classifier alone, after a warm-up), and once, what loading the model costs a
process (every Reflex worker would pay it): seconds and resident memory added. wordllama is in the `bench`
extra (`pip install -e '.[bench]'`, which `make bench` does); without it only TF-IDF is printed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from services.chatbot import analysis, classifier, sentiment
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


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def compare(rows: list[dict], method) -> dict:
    """One category classifier (a module with `classify`) on the set: accuracy, declined, ms per conversation."""
    categories = list(WRAP_UP)
    conversations = [[Turn(t["author"], t["text"]) for t in row["turns"]] for row in rows]
    method.classify(conversations[0], categories)  # warm-up: the pairs' index, first calls
    hits = declined = 0
    misses = []
    started = time.perf_counter()
    for row, turns in zip(rows, conversations):
        choice = method.classify(turns, categories)
        got = (choice.category, choice.subcategory) if choice else None
        hits += got == (row["category"], row["subcategory"])
        declined += choice is None
        if got != (row["category"], row["subcategory"]):
            misses.append((row["id"], row["category"], row["subcategory"], choice))
    elapsed = time.perf_counter() - started
    figures = {"method": method.METHOD, "accuracy": hits / len(rows), "declined": declined,
               "ms_per_conversation": 1000 * elapsed / len(rows), "misses": misses}
    if hasattr(method, "min_score"):  # a floor that depends on the pairs
        figures["floor"] = method.min_score(categories)
    return figures


def load_embedding():
    """bench/chatbot_embedding.py with its model loaded, and the load's cost; None without wordllama."""
    rss, started = _rss_mb(), time.perf_counter()
    try:
        from bench import chatbot_embedding

        chatbot_embedding.model()
    except ImportError:
        return None
    return chatbot_embedding, time.perf_counter() - started, _rss_mb() - rss


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

    rows = load()
    embedding = load_embedding()
    compared = [(compare(rows, classifier), "none (pure Python)")]
    if embedding:
        module, seconds, megabytes = embedding
        compared.append((compare(rows, module), f"{seconds:.2f} s, +{megabytes:.0f} MB RSS per process"))
    print("category classifiers side by side (the product uses TF-IDF):")
    print(f"  {'method':<9} {'top-1':>7} {'declined':>9} {'ms/conv':>8}   model load")
    for figures, load_cost in compared:
        name = figures["method"].split("-")[0].split("/")[0]
        print(f"  {name:<9} {figures['accuracy']:7.1%} {figures['declined']:9d} "
              f"{figures['ms_per_conversation']:8.2f}   {load_cost}")
    for figures, _ in compared:
        floor = f"; floor {figures['floor']} for the demo's pairs" if "floor" in figures else ""
        print(f"    {figures['method']}{floor}")
        if "--misses" in argv:
            for conversation, category, subcategory, choice in figures["misses"]:
                got = f"{choice.category}/{choice.subcategory} ({choice.confidence:.2f})" if choice else "declined"
                print(f"      {conversation}: expected {category}/{subcategory}; got {got}")
    if not embedding:
        print("  wordllama: not installed (pip install -e '.[bench]')")


if __name__ == "__main__":
    main(sys.argv[1:])
