"""axe-core in the browser tests: the accessibility check every page test runs.

axe is evaluated in the page through the DevTools protocol (`page.evaluate`), which the page's
Content-Security-Policy does not govern; a `<script>` tag with axe's text would be an inline
script, and `script-src 'self'` rightly refuses it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@lru_cache(maxsize=1)
def _source() -> str:
    assert AXE.exists(), f"axe-core is missing at {AXE}: run make test (it installs it)"
    return AXE.read_text(encoding="utf-8")


def inject(page) -> None:
    """Make `window.axe` available in the page (once per loaded document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # A statement, not a function: wrapped so that Playwright evaluates it as it stands.
        page.evaluate("() => { " + _source() + "\n}")
        assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core did not load"


def run_axe(page) -> list[dict]:
    """Run axe-core (served from our own files) and return serious and critical violations."""
    inject(page)
    result = page.evaluate("""async () => await axe.run(document, {resultTypes: ['violations']})""")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
