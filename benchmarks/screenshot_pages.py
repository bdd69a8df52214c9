"""Screenshots of every dashboard page at 1280×800 and 1920×1080, to look at for overlap and
cut-off text: a live system as the browser tests make it (tests/dashboard/browser.py), served
by uvicorn, drawn in Debian's Chromium.

Usage:
    PYTHONPATH=. python benchmarks/screenshot_pages.py [--out /tmp/d2a-screenshots]

Writes <page>-<width>x<height>.png (the whole page; Today with its grids drawn, the board's
Today too) and prints each path.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.conftest import make_empty_database
from tests.dashboard.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, start_system, stop

PAGES = {
    "today": ("/", "#today-headlines .headline"),
    "callsheet": ("/callsheet", "#callsheet-page table"),
    "trends": ("/trends", "#trends-chart .js-plotly-plot, .card .js-plotly-plot"),
    "explore": ("/explore", "#explore-figure .js-plotly-plot"),
    "feeds": ("/feeds", "#feeds-refusals table"),
    "wall": ("/wall", "#wall-main .tile-hero"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="/tmp/d2a-screenshots")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    url, drop = make_empty_database(tempfile.mkdtemp())
    system, server = start_system(url)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for role in ("coordinator", "board"):
                for width, height in VIEWPORTS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(system.url + "/")
                    page.get_by_label("Access token").fill(system.tokens[role])
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_selector(f"#signed-in-as:has-text('{role}')")
                    for name, (path, ready) in PAGES.items():
                        if role == "board" and name != "today":
                            continue
                        wall = name == "wall"
                        token = f"#token={system.tokens['display']}" if wall else ""
                        page.goto(system.url + path + token)
                        page.wait_for_selector(ready, timeout=60_000)
                        page.wait_for_load_state("networkidle")
                        for grid in ("#today-patients", "#actions-grid"):
                            if name == "today" and page.locator(grid).is_visible():
                                page.locator(grid).scroll_into_view_if_needed()
                                page.wait_for_timeout(500)
                        page.evaluate("window.scrollTo(0, 0)")
                        page.wait_for_timeout(800)
                        suffix = "" if role == "coordinator" else f"-{role}"
                        shot = out / f"{name}{suffix}-{width}x{height}.png"
                        page.screenshot(path=str(shot), full_page=not wall)
                        print(shot)
                    page.close()
            browser.close()
    finally:
        stop(server)
        system.database.dispose()
        drop()


if __name__ == "__main__":
    main()
