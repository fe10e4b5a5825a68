"""axe-core in a Playwright page: the WCAG 2.2 AA violations of what the page shows now.

axe's script comes from the PyPI package axe-playwright-python (its axe.min.js), read once.
The site's Content-Security-Policy forbids injected script tags and inline scripts, so the
script runs through ``page.evaluate`` (the DevTools protocol, which the policy does not
govern) and is never added to the page itself.
"""

import functools
from importlib import resources
from typing import Any

WCAG_22_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


@functools.cache
def axe_script() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def violations(page: Any, tags: tuple[str, ...] = WCAG_22_AA) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now: [{id, impact, help, nodes}], or []."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script() + "\n;undefined")
    result: list[dict[str, Any]] = page.evaluate(RUN, list(tags))
    return result


def describe(found: list[dict[str, Any]]) -> list[str]:
    """One line a violation: its rule, impact and the first few elements it concerns."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(n["target"] for n in v["nodes"][:3])
        + (f" and {len(v['nodes']) - 3} more" if len(v["nodes"]) > 3 else "")
        for v in found
    ]
