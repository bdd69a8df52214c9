"""Dashboard speed on a year of a large system: each page's first render and each interaction.

Usage:
    D2A_DATABASE_URL=sqlite:///big.sqlite3 d2a seed --size large --days 365   # once, ~10 min
    python benchmarks/bench_dashboard.py --url sqlite:///big.sqlite3 [--repeat 5] [--browser]
    (or --make to seed the year at --url first)

Times the callbacks' work (the data from metrics/ and the figures), called as plain functions
the way Dash calls them, at the end of the data (the coordinator's "now"). A page's first render
is the sum of the callbacks that run when it opens (the browser runs them in parallel, so this
is an upper bound); an interaction is the callbacks one change sets off. Targets: first render
≤ 1.5 s, interaction ≤ 500 ms. `--browser` also times page loads in Chromium against a uvicorn
server (bundle download and parse included). A token named "bench" is added to the database.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from access.tokens import create_token
from dashboard import data
from dashboard.callbacks import explore, shell, today, trends, wall
from dashboard.callbacks.explore import Question
from dashboard.data import Backend
from dashboard.pages.trends import HEADLINES
from metrics import tally
from metrics.catalogue import tallied_reads
from models import Event
from models.clock import local_date, utc_now
from store.database import Database
from store.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
FIRST_RENDER_MS = 1500
INTERACTION_MS = 500


def timed(call: Callable[[], Any], repeat: int, before: Callable[[], Any] = lambda: None) -> float:
    """Median milliseconds of `repeat` calls (each after `before`), after one untimed warm-up."""
    call()
    times = []
    for _ in range(repeat):
        before()
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def scenarios(backend: Backend, token: str, now: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(page, what, the callbacks it runs) for every first render and interaction."""
    week_ago = now - timedelta(days=7)
    end = local_date(now)
    start = end - timedelta(weeks=12)
    asked = Question("ready_to_leave", start.isoformat(), end.isoformat(), "week")
    org = next(o["code"] for o in data.organisations(backend) if o["kind"] == "acute")

    def explore_view(question: Question) -> Callable[[], Any]:
        return lambda: explore.view(backend, token, question, now)

    waiters, _note = today.long_waiters(backend, token, now, now)
    someone = waiters[0]["patient_id"] if waiters else "nobody"
    reasons = iter(["H1", "C1"] * 1000)  # a different reason each time: a real change

    def record_reason() -> Any:
        asked = today.Recording("delay_reason", someone, reason=next(reasons))
        return today.record(backend, token, asked, False, now)

    def make_action() -> Any:
        asked = today.NewAction(someone, org, "Chase the package of care", None, None)
        return today.create_action(backend, token, asked, False, now)

    def today_lists() -> Any:
        return (
            today.position(backend, token, now, now),
            today.long_waiters(backend, token, now, now),
            today.changes_view(backend, token, now, now),
            today.actions_view(backend, token, now, now),
        )

    return [
        (
            "Today",
            "first render",
            lambda: (
                shell.route("/", backend),
                shell.signed_in_as(backend, token),
                today.filter_options(backend, token, now),
                today.sections_hidden(backend, token, now),
                today_lists(),
            ),
        ),
        ("Today", "record a delay reason", record_reason),
        ("Today", "record, then the page anew", lambda: (record_reason(), today_lists())),
        ("Today", "make an action", make_action),
        (
            "Today",
            "filter by a site",
            lambda: today.position(backend, token, now, now, today.Filters(org)),
        ),
        ("Today", "call sheet XLSX", lambda: today.callsheet_file(backend, token, None, None, now)),
        (
            "Today",
            "replay a week earlier",
            lambda: (
                today.position(backend, token, week_ago, now),
                today.long_waiters(backend, token, week_ago, now),
            ),
        ),
        (
            "Trends",
            "first render (weekly)",
            lambda: (
                shell.route("/trends", backend),
                trends.organisation_options(backend, token, now),
                trends_page(backend, token, "week", None, now),
            ),
        ),
        ("Trends", "switch to monthly", lambda: trends_page(backend, token, "month", None, now)),
        ("Trends", "filter by a partner", lambda: trends_page(backend, token, "week", org, now)),
        (
            "Trends",
            "one card (readmissions)",
            lambda: trends.chart_card(backend, token, "readmission_30d_rate", "week", None, now),
        ),
        (
            "Explore",
            "first render",
            lambda: (shell.route("/explore", backend), explore.view(backend, token, asked, now)),
        ),
        (
            "Explore",
            "break down by pathway",
            explore_view(Question(asked.metric, asked.start, asked.end, "week", "pathway")),
        ),
        (
            "Explore",
            "a year by day, by reason",
            explore_view(
                Question(
                    "delayed_bed_days",
                    (end - timedelta(days=364)).isoformat(),
                    end.isoformat(),
                    "day",
                    "reason",
                )
            ),
        ),
        ("Explore", "download CSV", lambda: explore.download(backend, token, asked, "csv")),
        ("Explore", "download XLSX", lambda: explore.download(backend, token, asked, "xlsx")),
        (
            "Wall",
            "first render",
            lambda: wall.view(wall.fetch(backend, "", "", token, now)[0], 0, now, 60),
        ),
        ("Wall", "refresh", lambda: wall.fetch(backend, "", "", token, now)),
    ]


def trends_page(backend: Backend, token: str, interval: str, org: str | None, now: Any) -> Any:
    """Every card of the Trends page one after another (the browser asks for them together)."""
    status = trends.status(backend, token, interval, org, now)
    return status, [trends.chart_card(backend, token, n, interval, org, now) for n in HEADLINES]


def end_of_data(database: Database) -> Any:
    with database.session() as session:
        latest = session.scalar(select(func.max(Event.occurred_at)))
    return (latest or utc_now()).replace(microsecond=0) + timedelta(minutes=1)


def bench_callbacks(database: Database, repeat: int) -> None:
    settings = Settings(database_url=database.url)
    backend = Backend(lambda: database, settings)
    now = end_of_data(database)
    with database.session(write=True) as session:
        _row, token = create_token(session, role="coordinator", name="bench", now=utc_now())
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(Event))
    print(f"{events:,} events; the dashboard's 'now' is the end of the data, {now:%Y-%m-%d %H:%M}")
    print("median ms; cold: no answer cached (as after a new event), warm: answers cached")
    print(f"{'page':8s} {'what':28s} {'cold':>7s} {'warm':>7s}  target")
    for page, what, call in scenarios(backend, token, now):
        cold = timed(call, repeat, before=backend.cache.clear)
        warm = timed(call, repeat)
        target = FIRST_RENDER_MS if what.startswith("first render") else INTERACTION_MS
        verdict = "ok" if cold <= target else "OVER (cold)"
        print(f"{page:8s} {what:28s} {cold:7.0f} {warm:7.0f}  ≤{target} {verdict}")


def bench_browser(url: str, repeat: int) -> None:
    """Page loads in Chromium: navigation to the page's figures drawn, medians of `repeat`."""
    from playwright.sync_api import sync_playwright

    database = Database(url)
    with database.session(write=True) as session:
        _row, token = create_token(session, role="coordinator", name="bench", now=utc_now())
    database.dispose()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = os.environ | {"D2A_DATABASE_URL": url}
    command = [sys.executable, "-m", "uvicorn", "--factory", "d2a.server:create_app"]
    server = subprocess.Popen([*command, "--port", str(port), "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    ready = {
        "/": "#today-services .js-plotly-plot .bars",
        "/trends": "() => document.querySelectorAll('.card .js-plotly-plot').length === 8",
        "/explore": "#explore-figure .js-plotly-plot .scatterlayer .trace",
        "/wall": ".wall-section",
    }
    try:
        _wait_for(base + "/health")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(base + "/")
            page.get_by_label("Access token").fill(token)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("#signed-in-as:has-text('coordinator')")
            for path, selector in ready.items():
                target = base + path + (f"#token={token}" if path == "/wall" else "")
                times = []
                for _ in range(repeat):
                    began = time.perf_counter()
                    page.goto(target)
                    if selector.startswith("() =>"):
                        page.wait_for_function(selector, timeout=600_000)
                    else:
                        page.wait_for_selector(selector, timeout=600_000)
                    times.append((time.perf_counter() - began) * 1000)
                print(f"browser  {path:28s} {statistics.median(times):10.0f}  page load")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def prepare_tallies(database: Database, *, live: bool) -> None:
    """Recounts the figure tallies as d2a serve does in the background (metrics.tally), or,
    `live`, drops them so that every figure reads the derived tables."""
    if live:
        tally.forget(database.engine)
        print("figure tallies dropped: every figure reads the derived tables")
        return
    done = tally.refresh(database.engine, tallied_reads(), database.write_engine)
    print(f"figure tallies refreshed in {done.seconds:.1f} s ({done.sources} sources recounted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="a seeded database (see the usage above)")
    parser.add_argument(
        "--make", action="store_true", help="first seed a year of a large system at --url"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time page loads")
    parser.add_argument("--browser-only", action="store_true", help="only time page loads")
    parser.add_argument("--live", action="store_true", help="read no figure tallies")
    args = parser.parse_args()
    if args.make:
        from seed.commands import seed_database
        from seed.generate import RunSpec

        start = local_date(utc_now()) - timedelta(days=365)
        seed_database(args.url, RunSpec.of("large", 365, 1, start))
    if not args.browser_only:
        database = Database(args.url)
        try:
            prepare_tallies(database, live=args.live)
            bench_callbacks(database, args.repeat)
        finally:
            database.dispose()
    if args.browser or args.browser_only:
        bench_browser(args.url, max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
