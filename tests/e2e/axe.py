"""axe-core in the page under test: WCAG 2.1 A and AA rules, from the copy `make setup` installed (no download)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.server import ROOT

AXE_JS = ROOT / ".tools/axe-core/node_modules/axe-core/axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 AA violations on the page as it is now (open dialogs included)."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make setup`")
    # Evaluated rather than added as a <script>: a Content-Security-Policy on the page cannot block it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    return [v for v in page.evaluate(_RUN, WCAG_21_AA) if v["impact"] in BLOCKING]


def report(found: list[dict]) -> str:
    """One line per failing element, so a failure names the rule, the element and what to fix."""
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"{violation['impact']} {violation['id']} ({violation['help']}) at {node['target']}: "
                         f"{summary}")
    return "\n".join(lines)
