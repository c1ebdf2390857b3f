"""gallery/index.html in a real browser: headless Chromium (Debian's) driven by Playwright.

Fails, rather than skips, when CI=true and the browser or Playwright is missing: .ci/run installs
both. A screenshot of the page is left in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from actplot import load_registry

ROOT = Path(__file__).parent.parent
GALLERY = ROOT / "gallery"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
# Without the background-networking switches Chromium tries to reach Google's hosts at start.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip


ROWS = "Array.from(document.querySelectorAll('#comparison tbody tr'))"


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason} (.ci/run installs chromium and playwright)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def page():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.errors, page.requests = [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto((GALLERY / "index.html").as_uri())
        page.wait_for_load_state("load")
        yield page
        browser.close()


def test_page_loads_without_errors_or_network(page):
    assert page.errors == []
    outside = [url for url in page.requests if not url.startswith(GALLERY.as_uri())]
    assert outside == []  # every request is a local file of the gallery: no network


SCROLL_AND_LOAD = """async () => {
  for (const image of document.images) {  // images load lazily, as a reader scrolls to them
    image.scrollIntoView();
    if (!image.complete) await new Promise((done) => { image.onload = image.onerror = done; });
  }
  window.scrollTo(0, 0);
  return Array.from(document.images).filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src);
}"""


def test_every_image_loads(page):
    broken = page.evaluate(SCROLL_AND_LOAD)
    from actplot.gated_units import GATED_UNITS

    # the overview, a figure per activation, a page per gated unit
    expected = 1 + len(load_registry(autoload=False)) + len(GATED_UNITS)
    assert page.evaluate("document.images.length") == expected and broken == []
    assert page.errors == []


def column_values(page, index: int) -> list[float]:
    return page.evaluate(f"{ROWS}.map(r => parseFloat(r.cells[{index}].dataset.value))")


MAX_GRAD = "max |f′|"  # the header's prime is U+2032, as every column header (actplot.columns)


def test_clicking_a_header_sorts_the_table(page):
    header = page.locator("#comparison th", has_text=MAX_GRAD)
    index = page.evaluate(
        "(label) => Array.from(document.querySelectorAll('#comparison th'))"
        ".findIndex(t => t.textContent.startsWith(label))",
        MAX_GRAD,
    )
    header.click()
    ascending = column_values(page, index)
    assert len(ascending) == len(load_registry(autoload=False)) and ascending == sorted(ascending)
    header.click()
    assert column_values(page, index) == sorted(ascending, reverse=True)


def test_typing_in_the_search_box_filters_rows(page):
    page.fill("#search", "relu")
    visible = page.evaluate(f"{ROWS}.filter(r => !r.hidden).map(r => r.cells[1].textContent)")
    assert visible and all("relu" in name for name in visible)
    assert {"relu", "relu6", "leaky_relu", "prelu", "rrelu"} <= set(visible)
    page.fill("#search", "")
    assert page.evaluate(f"{ROWS}.every(r => !r.hidden)")


def test_dark_mode_follows_the_system_setting(page):
    background = "getComputedStyle(document.body).backgroundColor"
    page.emulate_media(color_scheme="light")
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(background) == "rgb(21, 23, 26)"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "gallery-dark.png"))
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(ARTIFACTS / "gallery-light.png"))
    assert (ARTIFACTS / "gallery-light.png").stat().st_size > 10_000
