"""A real browser opens every page from disk: no console errors, every chart drawn with marks.

Headless Chromium (Debian's `chromium`, installed by `make test`) driven by Playwright against that
executable — Playwright's own browser download is never used. Screenshots of every page go to
$TRACEFIT_SCREENSHOTS when set (to look at them).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.dashboards_fixture import built_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Marks Vega draws into its SVG: rects, paths, symbols, rules, text-free groups excluded.
COUNT_MARKS = """() => [...document.querySelectorAll('.chart')].map(c => ({
  id: c.id, state: c.getAttribute('data-rendered'),
  marks: c.querySelectorAll('svg g[class^="mark-"] path, svg g[class^="mark-"] line, svg g[class^="mark-"] rect').length}))"""

if not os.environ.get("CI"):
    if CHROMIUM is None:
        pytest.skip(
            "chromium is not installed (apt-get install chromium, or `make test` does it); "
            "in CI (CI set) this test runs and fails instead",
            allow_module_level=True,
        )
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
            offline=True,
        )
        yield context
        context.close()


@pytest.mark.parametrize("kind", ["hostile", "bare"])
def test_every_page_renders_every_chart_without_errors(browser_context, kind):
    shots = os.environ.get("TRACEFIT_SCREENSHOTS")
    pages = sorted(built_site(kind).glob("*.html"))
    for path in pages:
        page, errors = browser_context.new_page(), []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: r.url.startswith("file:") or errors.append(f"network: {r.url}"))
        page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))  # an executed alert(1)
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.chart:not([data-rendered])').length === 0", timeout=20_000)
        charts = page.evaluate(COUNT_MARKS)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{kind}-{path.stem}.png"), full_page=True)
        page.close()
        assert errors == [], f"{path.name}: {errors}"
        assert all(c["state"] == "true" and c["marks"] > 0 for c in charts), f"{path.name}: {charts}"
        assert path.name == "index.html" or kind == "bare" or charts, f"{path.name} drew no chart"
