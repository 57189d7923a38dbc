"""Accessibility and layout checks every page of the browser journeys passes.

``audit(page)`` looks at the page as it is, at the two widths that matter
(a 390-pixel phone and a 1366-pixel desktop) and at the narrowest phone
(320 pixels), then gives the page its own size back:

- axe-core (vendored in tests/browser_assets, MPL-2.0) with the WCAG 2.0 and
  2.1 A and AA rules: no violation;
- our own contrast check (tests/browser_assets/contrast.js): the text of every
  visible link, button and summary at least 4.5:1 against the colour behind it,
  every focus indicator at least 3:1 against its surroundings;
- no page wider than the viewport at 320, 390 and 1366 pixels.

Collapsed ``<details>`` are opened for the checks (and closed again), so
what they hold is checked too. The journeys' ``page`` and ``phone`` fixtures
note every page that loads and fail a test that leaves one unaudited.
"""

from __future__ import annotations

from pathlib import Path
from weakref import WeakKeyDictionary

ASSETS = Path(__file__).resolve().parent.parent / "browser_assets"
AXE_SOURCE = (ASSETS / "axe.min.js").read_text(encoding="utf-8")
CONTRAST_CHECK = (ASSETS / "contrast.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LIMITS = {"text": 4.5, "focus": 3.0}
CHECKED_WIDTHS = (390, 1366)
NARROWEST = 320
# The addresses audited in each browser context.
AUDITED: WeakKeyDictionary = WeakKeyDictionary()

# axe is defined in the page's own world through the DevTools protocol, which the
# app's Content-Security-Policy does not govern: no bypass_csp is needed, so the
# policy journey still sees the policy the app sends.
LOAD_AXE = "source => { if (!window.axe) { (0, eval)(source); } return !!window.axe; }"
RUN_AXE = """async tags => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary)}));
}"""
OPEN_DETAILS = """() => {
  const closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach((d, i) => { d.dataset.auditClosed = i; d.open = true; });
  return closed.length;
}"""
CLOSE_DETAILS = """() => document.querySelectorAll("details[data-audit-closed]").forEach(d => {
  d.open = false; delete d.dataset.auditClosed; })"""
# The page's width against the viewport's, with the elements that stick out.
OVERFLOW = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  const wide = [];
  const framed = el => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  };
  if (root.scrollWidth > limit) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > limit + 1 && box.width > 0 && !framed(el)) {
        wide.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
                  + " right=" + Math.round(box.right));
      }
    }
  }
  return {width: root.scrollWidth, viewport: limit, wide: wide.slice(0, 8)};
}"""


def axe_violations(page) -> list[str]:
    """The WCAG A and AA violations axe-core finds on the page, one line each."""
    assert page.evaluate(LOAD_AXE, AXE_SOURCE), "axe-core did not load"
    return [
        f"axe {v['id']} ({v['help']}): " + "; ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE, AXE_TAGS)
    ]


def contrast_problems(page) -> list[str]:
    """Controls with too little text or focus contrast, or a name without their words."""
    found = page.evaluate(CONTRAST_CHECK, LIMITS)
    assert found["checked"] > 0, "no visible control to check"
    return [
        f"{p['kind']} of {p['element']}: {p.get('ratio', '-')}:1, {p['detail']}"
        for p in found["problems"]
    ]


def overflow(page) -> str | None:
    """What makes the page wider than the viewport, or None when it fits."""
    measured = page.evaluate(OVERFLOW)
    if measured["width"] <= measured["viewport"]:
        return None
    return f"{measured['width']} px wide in {measured['viewport']} px: " + ", ".join(
        measured["wide"]
    )


def problems_at(page, width: int, full: bool) -> list[str]:
    """Everything wrong with the page at ``width`` pixels (only its width unless ``full``)."""
    page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})
    found = []
    wide = overflow(page)
    if wide:
        found.append(wide)
    if full:
        found += axe_violations(page) + contrast_problems(page)
    return [f"{width} px: {problem}" for problem in found]


def audit(page) -> None:
    """Fail unless the page passes axe, the contrast checks and fits at every checked width."""
    size = dict(page.viewport_size)
    page.wait_for_load_state("load")
    page.evaluate(OPEN_DETAILS)
    try:
        found = [p for w in CHECKED_WIDTHS for p in problems_at(page, w, full=True)]
        found += problems_at(page, NARROWEST, full=False)
    finally:
        page.set_viewport_size(size)
        page.evaluate(CLOSE_DETAILS)
    AUDITED.setdefault(page.context, set()).add(page.url)
    assert not found, f"{page.url}:\n" + "\n".join(found)


def unaudited(context, loaded: list[str]) -> list[str]:
    """The pages that loaded in ``context`` (``loaded``) and were never audited."""
    done = AUDITED.get(context, set())
    return sorted({url for url in loaded if url.startswith("http") and url not in done})
