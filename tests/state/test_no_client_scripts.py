"""No event handler sends JavaScript to the browser.

Reflex runs a returned `rx.call_script`, `rx.scroll_to` or a string `rx.call_function` through `eval`, which the
Content-Security-Policy refuses (no 'unsafe-eval'): such an action would silently do nothing. Scrolling and focus
are done in the browser instead (column-reverse transcripts, the panel's key handler).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

_STATES = sorted((Path(__file__).resolve().parents[2] / "inbox_app" / "state").glob("*.py"))
_EVAL_ACTIONS = {"call_script", "scroll_to", "call_function", "run_script", "set_clipboard"}


def _eval_actions(source: str) -> list[str]:
    return [f"line {node.lineno}: rx.{node.func.attr}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _EVAL_ACTIONS and isinstance(node.func.value, ast.Name) and node.func.value.id == "rx"]


@pytest.mark.parametrize("path", _STATES, ids=lambda path: path.name)
def test_no_handler_returns_a_client_script(path):
    assert _eval_actions(path.read_text()) == []


def test_the_check_finds_one():
    assert _eval_actions("import reflex as rx\ndef f():\n    return rx.scroll_to('end')\n") == ["line 3: rx.scroll_to"]
