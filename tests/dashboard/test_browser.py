"""The dashboard in Debian's Chromium, headless, against a real uvicorn server of create_app.

Skipped when /usr/bin/chromium is absent (install it with `apt-get install -y chromium`).
Screenshots of every page at 1280×800 and 1920×1080 go to screenshots/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboard.pages.returns import months
from ledger.ingest import ingest
from metrics.catalogue import HEADLINES
from metrics.tally import changed_from
from models.clock import LONDON, local_date, utc_now
from tests.conftest import make_empty_database
from tests.dashboard.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    VALLEY_READY_AGO,
    VIEWPORTS,
    LiveSystem,
    start_system,
    stop,
)
from tests.metrics.scenario import Patient

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

PAGES = {
    "/": "#today-headlines .headline",
    # A chart per headline metric and the delay bands' stacked bars.
    "/trends": "() => document.querySelectorAll('.card .js-plotly-plot').length === "
    f"{len(HEADLINES) + 1}",
    "/explore": "#explore-figure .js-plotly-plot",
    "/feeds": "#feeds-refusals table",
    "/wall": ".wall-section",
}
# _fullData: the traces as drawn, typed arrays (plotly's base64 "bdata") decoded.
FIGURE_DATA = """id => document.querySelector('#' + id + ' .js-plotly-plot')._fullData.map(
    t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}))"""
GRID_IDS_ARE = """expected => { const ids = [];
    dash_ag_grid.getApi('today-patients').forEachNode(n => ids.push(n.data.patient_id));
    return JSON.stringify(ids.sort()) === JSON.stringify(expected); }"""
GRID_ROWS = """id => { const rows = [];
    dash_ag_grid.getApi(id).forEachNode(n => rows.push(n.data)); return rows; }"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSystem]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    url, drop = make_empty_database(str(tmp_path_factory.mktemp("browser")))
    system, server = start_system(url)
    yield system
    stop(server)
    system.database.dispose()
    drop()


@pytest.fixture(scope="module")
def browser(live: LiveSystem) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """A page in its own context, recording console errors and uncaught exceptions."""

    def __init__(
        self,
        browser: Any,
        live: LiveSystem,
        size: tuple[int, int] = VIEWPORTS[0],
        bypass_csp: bool = False,  # to inject axe-core, which the page's policy would refuse
    ):
        self.live = live
        self.context = browser.new_context(
            viewport={"width": size[0], "height": size[1]},
            accept_downloads=True,
            bypass_csp=bypass_csp,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)  # CI machines can be slow and busy
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def sign_in(self, role: str) -> None:
        self.page.goto(self.live.url + "/")
        self.page.get_by_label("Access token").fill(self.live.tokens[role])
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_selector(f"#signed-in-as:has-text('{role}')")

    def open(self, path: str, ready: str) -> None:
        self.page.goto(self.live.url + path)
        if ready.startswith("() =>"):
            self.page.wait_for_function(ready, timeout=20_000)
        else:
            self.page.wait_for_selector(ready, timeout=20_000)
        self.page.wait_for_load_state("networkidle")

    def open_today(self) -> None:
        """Today, with its grids scrolled into view (AG Grid draws rows only when seen)."""
        if not self.page.url.rstrip("/").endswith(self.live.url.split("//")[1]):
            self.open("/", "#today-headlines .headline")
        else:  # just signed in here: Today is drawn again, its grids replaced
            self.page.wait_for_selector("#today-headlines .headline", timeout=20_000)
            self.page.wait_for_load_state("networkidle")
        self.page.locator("#today-patients").scroll_into_view_if_needed()
        self.page.wait_for_selector("#today-patients .ag-center-cols-container .ag-row")
        self.page.locator("#actions-grid").scroll_into_view_if_needed()
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("window.scrollTo(0, 0)")

    def figure(self, component_id: str) -> list[dict[str, Any]]:
        traces: list[dict[str, Any]] = self.page.evaluate(FIGURE_DATA, component_id)
        return traces

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, live: LiveSystem) -> Iterator[Tab]:
    opened = Tab(browser, live)
    yield opened
    opened.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_loads_with_no_console_errors(
    browser: Any, live: LiveSystem, size: tuple[int, int]
) -> None:
    tab = Tab(browser, live, size)
    try:
        tab.sign_in("coordinator")
        SCREENSHOTS.mkdir(exist_ok=True)
        for path, ready in PAGES.items():
            wall = path == "/wall"
            tab.open(path + (f"#token={live.tokens['display']}" if wall else ""), ready)
            if path == "/":
                tab.open_today()  # the grids draw their rows once scrolled into view
            name = path.strip("/") or "today"
            shot = SCREENSHOTS / f"{name}-{size[0]}x{size[1]}.png"
            tab.page.screenshot(path=str(shot), full_page=not wall)
        assert tab.errors == []
    finally:
        tab.close()


def test_today_draws_the_snapshot_the_api_serves(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("coordinator")
    tab.open("/", "#today-pathway .js-plotly-plot .bars")
    answer = live.api("/api/v1/snapshot")
    if answer.status_code == 404:
        pytest.skip("GET /api/v1/snapshot is not served yet")
    snap = answer.json()
    now, before = tab.figure("today-pathway")
    by_pathway = snap["ready_to_leave"]["by_pathway"]
    assert now["y"] == [g["now"] for g in by_pathway]
    assert before["y"] == [g["before"] for g in by_pathway]
    # Each pathway's queue, free places and capacity, on its own axis.
    queues = tab.figure("today-services")
    judged = snap["capacity_status"]["pathways"]
    assert [t["y"] for t in queues] == [[p["waiting"], p["free"], p["capacity"]] for p in judged]
    headline = tab.page.locator("#today-headlines .headline-value").first.inner_text()
    assert headline == str(snap["ready_to_leave"]["now"])
    level = tab.page.locator("#today-capacity .capacity-value").first.inner_text()
    assert level == snap["capacity_status"]["level"].upper()


def test_the_long_waiters_are_for_patient_level_roles_only(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("coordinator")
    tab.open_today()
    ready = live.api("/api/v1/patients/ready")
    if ready.status_code == 200:
        listed = sorted(p["patient_id"] for p in ready.json()["patients"])
        tab.page.wait_for_function(GRID_IDS_ARE, arg=listed)
    rows = tab.page.evaluate(GRID_ROWS, "today-patients")
    valley = set(live.pseudonyms.values())  # Valley's patients, by their feed's pseudonyms
    assert rows and all(r["patient_id"].startswith("P") or r["patient_id"] in valley for r in rows)
    tab.page.get_by_role("button", name="Sign out").click()
    # Signing out clears the stored token in a callback; reloading before it has run would
    # bring the coordinator back (the sign-in box stays hidden). Wait for the box.
    tab.page.get_by_label("Access token").wait_for(state="visible", timeout=20_000)
    tab.sign_in("board")
    tab.open("/", "#today-headlines .headline")
    tab.page.wait_for_selector("#today-patients-note:has-text('does not see patient lists')")
    assert tab.page.evaluate(GRID_ROWS, "today-patients") == []
    body = tab.page.inner_text("body")
    assert "P00" not in body and not any(pid in body for pid in valley)


def test_a_system_coordinator_sees_its_system_only(tab: Tab, live: LiveSystem) -> None:
    """A coordinator token of system QAA (North: every organisation but Hilltop, RX2, and Shire
    Council, LA1): Today's headline is North's hospitals', and its long waiters hold no South
    patient (in Hilltop and of Shire), only people in North's hospitals (issue 18)."""
    role = "coordinator of QAA"
    tab.page.goto(live.url + "/")
    tab.page.get_by_label("Access token").fill(live.tokens[role])
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_selector("#signed-in-as:has-text('coordinator')")
    tab.open_today()
    mine = sorted(
        p["patient_id"] for p in live.api("/api/v1/patients/ready", role).json()["patients"]
    )
    everyone = live.api("/api/v1/patients/ready").json()["patients"]

    south = {
        p["patient_id"]
        for p in everyone
        if p["organisation_code"] == "RX2" and p["local_authority"] == "LA1"
    }
    assert mine and south and not south & set(mine)
    north_sites = {p["organisation_code"] for p in everyone if p["patient_id"] in mine}
    assert north_sites and "RX2" not in north_sites
    tab.page.wait_for_function(GRID_IDS_ARE, arg=mine)
    north = live.api("/api/v1/snapshot", role).json()["ready_to_leave"]["now"]
    whole = live.api("/api/v1/snapshot").json()["ready_to_leave"]["now"]
    assert north < whole
    tab.page.wait_for_function(
        "n => document.querySelector('#today-headlines .headline-value').innerText === n",
        arg=str(north),
    )
    assert "Hilltop" not in tab.page.inner_text("#today-site")


def test_explore_shows_and_exports_the_api_rows(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("analyst")
    tab.open("/explore", "#explore-figure .js-plotly-plot .scatterlayer .trace")
    url = tab.page.inner_text("#explore-api-url")
    api_rows = live.api(url, "analyst").json()["rows"]
    # The line starts at the first figure: the days before the data start (null) are not drawn.
    values = [r["value"] for r in api_rows]
    first = next(i for i, v in enumerate(values) if v is not None)
    assert [t["y"] for t in tab.figure("explore-figure")] == [values[first:]]
    assert tab.page.evaluate(GRID_ROWS, "explore-table") == api_rows
    with tab.page.expect_download() as csv_download:
        tab.page.get_by_role("button", name="CSV").click()
    with open(csv_download.value.path(), "rb") as file:
        sent = file.read()
    assert sent == live.api(url + "&format=csv", "analyst").content
    assert len(list(csv.DictReader(io.StringIO(sent.decode())))) == len(api_rows)
    with tab.page.expect_download() as xlsx_download:
        tab.page.get_by_role("button", name="Excel (XLSX)").click()
    with open(xlsx_download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).worksheets[0]
    assert sheet.max_row == len(api_rows) + 1  # the header, then a row per API row
    assert "P00" not in tab.page.inner_text("body")


def test_the_wall_refreshes_and_rotates_by_itself(tab: Tab, live: LiveSystem) -> None:
    tab.open(f"/wall#token={live.tokens['display']}", ".tile-hero .tile-value")
    assert "token=" not in tab.page.url  # kept in local storage, gone from the address bar
    hero = tab.page.locator(".tile-hero .tile-value")
    before = int(hero.inner_text())
    _one_more_ready(live)
    tab.page.wait_for_function(
        f"() => document.querySelector('.tile-hero .tile-value')?.innerText === '{before + 1}'",
        timeout=15_000,
    )
    tab.page.wait_for_selector(".wall-pager:has-text('Panel 2 of 2')", timeout=20_000)
    # The data is fresh; Hilltop's feed has been silent for three hours, and is named.
    warnings = tab.page.locator("#wall-stale").inner_text()
    assert "DATA MAY BE OUT OF DATE" not in warnings
    assert warnings.startswith("FEED SILENT: Hilltop PAS (nothing for 3 h")
    assert "HIL" not in warnings and "Valley" not in warnings
    assert "P00" not in tab.page.inner_text("body") and "P9999" not in tab.page.inner_text("body")
    assert tab.errors == []


def _one_more_ready(live: LiveSystem) -> None:
    """A new patient, ready to leave from a minute ago: the wall should count them."""
    now = utc_now().replace(microsecond=0)
    p = Patient("P9999")
    p.admitted((now - timedelta(days=1)).isoformat() + "+00:00", "W1")
    p.ready((now - timedelta(minutes=1)).isoformat() + "+00:00", pathway=1)
    with live.database.session(write=True) as session:
        ingest(session, p.events, now=now, changes=changed_from)


FEED_ROW = """name => Array.from(document.querySelectorAll('#feeds-table tbody tr'))
    .filter(tr => tr.cells[0].innerText.startsWith(name))
    .map(tr => Array.from(tr.cells).map(c => c.innerText.replace(/\\s+/g, ' ').trim()))[0]"""
TABLE_ROWS = """selector => Array.from(document.querySelectorAll(selector + ' tbody tr'))
    .map(tr => Array.from(tr.cells).map(c => c.innerText.trim()))"""


def _today_counts(live: LiveSystem, code: str) -> list[str]:
    """A feed's counts of today as GET /api/v1/feeds gives them, as the table shows them."""
    [feed] = [f for f in live.api("/api/v1/feeds").json() if f["code"] == code]
    today = feed["health"]["today"]
    return [str(today[o]) for o in ("accepted", "duplicate", "ignored", "refused")]


def test_a_coordinator_checks_and_stores_a_readiness_list(tab: Tab, live: LiveSystem) -> None:
    """Valley's list (tests/dashboard/browser.py): V1001 newly ready on pathway 2 with reason
    C1, V1002 from pathway 1 to 3, V1003 with no stay (a warning). Three changes, checked, then
    stored, then read back through the API's timelines."""
    tab.sign_in("coordinator")
    tab.page.get_by_role("link", name="Feeds").click()
    tab.page.wait_for_selector("#feeds-table tbody tr")
    assert tab.page.get_attribute("html", "lang") == "en-GB"
    valley = tab.page.evaluate(FEED_ROW, "Valley PAS")
    assert valley[1:2] == ["Valley Hospital"] and valley[3].startswith("Receiving")
    assert valley[4:] == _today_counts(live, "VAL")
    hilltop = tab.page.evaluate(FEED_ROW, "Hilltop PAS")
    assert hilltop[3].startswith("Silent: nothing for 3 h")

    ready = local_date(live.started_at - VALLEY_READY_AGO)  # V1002's DRD, on record
    listed = (
        "local_patient_id,ready_date,pathway,reason_code\n"
        f"V1001,{ready.isoformat()},2,C1\n"
        f"V1002,{ready:%d/%m/%Y},3,\n"
        f"V1003,{ready.isoformat()},1,\n"
    )
    tab.page.locator("#feeds-upload-feed").click()
    tab.page.get_by_role("option", name="Valley PAS (Valley Hospital)").click()
    tab.page.get_by_label("List file").set_input_files(
        files=[{"name": "valley.csv", "mimeType": "text/csv", "buffer": listed.encode()}]
    )
    tab.page.wait_for_selector("#feeds-upload-file:has-text('valley.csv')")
    assert tab.page.get_by_role("button", name="Store these changes").is_hidden()
    tab.page.get_by_role("button", name="Check (dry run)").click()
    tab.page.wait_for_selector("#feeds-result:has-text('Dry run: 3 changes would be stored')")
    v1001, v1002 = live.pseudonyms["V1001"], live.pseudonyms["V1002"]
    changes = tab.page.evaluate(TABLE_ROWS, "#feeds-result .table-scroll")
    assert changes[:3] == [
        ["2", v1001, "Newly ready", "–", ready.isoformat()],
        ["2", v1001, "Delay reason", "–", "C1"],
        ["3", v1002, "Pathway changed", "1", "3"],
    ]
    assert changes[3][0] == "4" and "no open acute stay" in changes[3][1]
    for size in VIEWPORTS:
        tab.page.set_viewport_size({"width": size[0], "height": size[1]})
        shot = SCREENSHOTS / f"feeds-dry-run-{size[0]}x{size[1]}.png"
        tab.page.screenshot(path=str(shot), full_page=True)
    before = live.api(f"/api/v1/patients/{v1001}/timeline").json()
    assert [e["type"] for e in before["events"]] == ["admitted"]  # a dry run stores nothing

    tab.page.get_by_role("button", name="Store these changes").click()
    tab.page.wait_for_selector("#feeds-result:has-text('Stored 3 changes')")
    assert tab.page.get_by_role("button", name="Store these changes").is_hidden()
    first = live.api(f"/api/v1/patients/{v1001}/timeline").json()["events"]
    assert [(e["type"], e.get("pathway"), e.get("reason_code")) for e in first] == [
        ("admitted", None, None),
        ("discharge_ready", 2, None),
        ("delay_reason", None, "C1"),
    ]
    second = live.api(f"/api/v1/patients/{v1002}/timeline").json()["events"]
    assert [(e["type"], e.get("pathway")) for e in second][-1] == ("pathway_changed", 3)
    # The list is one more of Valley's messages today: the table, read again, says so.
    counts = _today_counts(live, "VAL")
    tab.page.wait_for_function(
        "([name, count]) => { const row = Array.from(document.querySelectorAll("
        "'#feeds-table tbody tr')).find(tr => tr.cells[0].innerText.startsWith(name));"
        " return row && row.cells[4].innerText.trim() === count; }",
        arg=["Valley PAS", counts[0]],
    )
    assert tab.errors == []


SUMMARY_ROWS = """() => Array.from(document.querySelectorAll('#trends-summary tbody tr'))
    .map(tr => ({metric: tr.dataset.metric, href: tr.querySelector('a').getAttribute('href'),
                 cells: Array.from(tr.cells).map(c => c.innerText.trim()),
                 icons: Array.from(tr.querySelectorAll('img')).map(i => i.alt)}))"""
NOTE_SHAPES = """id => (document.querySelector('#' + id + ' .js-plotly-plot').layout.shapes || [])
    .map(s => s.x0)"""


def test_the_board_summary_table_matches_the_spc_charts(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("board")
    tab.open("/trends", "#trends-summary tbody tr")
    rows = tab.page.evaluate(SUMMARY_ROWS)
    assert [r["metric"] for r in rows] == list(HEADLINES)
    assert all(r["href"] == f"#chart-{r['metric']}" for r in rows)
    status = tab.page.inner_text("#trends-status")
    start, end = (
        datetime.strptime(d, "%d %b %Y").date() for d in status[11:].split(", ")[0].split(" to ")
    )
    home_first = next(r for r in rows if r["metric"] == "home_first_rate")
    chart = live.api(
        f"/api/v1/metrics/home_first_rate/spc?start={start}&end={end}&interval=week", "board"
    ).json()["charts"][0]
    words = {
        "common_cause": "Common cause variation",
        "special_cause_improvement": "Special cause: improvement",
        "special_cause_concern": "Special cause: concern",
    }
    assert home_first["icons"][0] == words[chart["variation"]]
    assert home_first["cells"][3] == "95 %"
    tab.page.locator("#trends-summary a[href='#chart-home_first_rate']").click()
    assert tab.page.url.endswith("#chart-home_first_rate")
    assert tab.errors == []


def test_an_analyst_adds_a_rebase_and_it_is_drawn(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("analyst")
    tab.open("/trends", "#trends-card-stranded_7, .card .js-plotly-plot")
    tab.page.wait_for_selector("#trends-notes-block:not([hidden])")
    day = local_date(live.started_at) - timedelta(days=14)
    tab.page.locator("#trends-note-metric").click()
    tab.page.get_by_role("option", name="Stranded patients (7+ days)").click()
    tab.page.locator("#trends-note-day").fill(day.isoformat())
    tab.page.locator("#trends-note-text").fill("Discharge hub opened")
    tab.page.get_by_label("The process changed: rebase here").check()
    tab.page.get_by_role("button", name="Add").click()
    tab.page.wait_for_selector("#trends-note-result:has-text('Rebase stored')")
    chart_id = "trends-chart-stranded_7"
    tab.page.wait_for_function(f"() => ({NOTE_SHAPES})('{chart_id}').length === 1", timeout=20_000)
    assert tab.page.evaluate(NOTE_SHAPES, chart_id) == [day.isoformat()]
    stored = live.api("/api/v1/metrics/stranded_7/annotations", "board").json()["annotations"]
    assert [(a["day"], a["rebase"]) for a in stored] == [(day.isoformat(), True)]
    assert tab.errors == []


def test_the_returns_page_downloads_equal_the_apis(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("analyst")
    tab.page.get_by_role("link", name="Returns").click()
    tab.page.wait_for_selector("#returns-month")
    value = months(local_date(utc_now()))[0]["value"]  # the page offers last month first
    tab.page.wait_for_selector(
        f"#returns-month:has-text('{months(local_date(utc_now()))[0]['label']}')"
    )
    tab.page.get_by_label("Suppress small numbers (for publication)").check()
    with tab.page.expect_download() as csv_download:
        tab.page.locator("#returns-drd-csv").click()
    with open(csv_download.value.path(), "rb") as file:
        sent = file.read()
    assert (
        sent
        == live.api(
            f"/api/v1/returns/drd?month={value}&format=csv&suppress=true", "analyst"
        ).content
    )
    with tab.page.expect_download() as pack:
        tab.page.locator("#returns-pack-xlsx").click()
    with open(pack.value.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    api_book = load_workbook(
        io.BytesIO(live.api(f"/api/v1/boardpack?month={value}&format=xlsx", "analyst").content)
    )
    assert [list(r) for r in book["summary"].iter_rows(values_only=True)] == [
        list(r) for r in api_book["summary"].iter_rows(values_only=True)
    ]
    assert tab.errors == []


def _timeline(live: LiveSystem, patient: str) -> list[tuple[Any, ...]]:
    events = live.api(f"/api/v1/patients/{patient}/timeline").json()["events"]
    return [(e["type"], e.get("pathway"), e.get("reason_code")) for e in events]


def _record(tab: Tab, kind: str, done: str) -> None:
    tab.page.get_by_label(kind).check()
    tab.page.get_by_role("button", name="Record", exact=True).click()
    tab.page.wait_for_selector(f"#record-result:has-text('{done}')")


def _choose(tab: Tab, control: str, option: str) -> None:
    tab.page.locator(f"#{control}").click()
    tab.page.get_by_role("option", name=option).click()


def test_a_coordinator_records_the_four_from_the_grid(tab: Tab, live: LiveSystem) -> None:
    """Pathway, reason, withdrawal, then ready again with today as its DRD, for one person
    chosen in the grid; each is on the person's timeline as the API gives it."""
    tab.sign_in("coordinator")
    tab.open_today()
    rows = tab.page.evaluate(GRID_ROWS, "today-patients")
    chosen = next(r for r in rows if r["patient_id"].startswith("P"))["patient_id"]
    before = _timeline(live, chosen)
    tab.page.locator("#today-patients").scroll_into_view_if_needed()
    tab.page.locator(f"#today-patients .ag-center-cols-container [row-id='{chosen}']").click()
    tab.page.wait_for_function(
        "id => document.querySelector('#record-patient').value === id", arg=chosen
    )
    _choose(tab, "record-pathway", "Pathway 3")
    _record(tab, "Change planned pathway", f"Recorded for {chosen}: planned pathway changed")
    _choose(tab, "record-reason", "W1 ")
    _record(tab, "Set delay reason", f"Recorded for {chosen}: delay reason set")
    _record(tab, "Withdraw readiness", f"Recorded for {chosen}: readiness withdrawn")
    _record(tab, "Mark ready (with its DRD)", f"Recorded for {chosen}: ready to leave")
    after = _timeline(live, chosen)
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        ("pathway_changed", 3, None),
        ("delay_reason", None, "W1"),
        ("readiness_withdrawn", None, None),
        ("discharge_ready", 3, None),  # the pathway chosen stays in the form
    ]
    # A refusal says why and stores nothing: withdrawing twice.
    _record(tab, "Withdraw readiness", f"Recorded for {chosen}: readiness withdrawn")
    tab.page.get_by_role("button", name="Record", exact=True).click()
    tab.page.wait_for_selector("#record-result .message-error:has-text('Not recorded')")
    assert len(_timeline(live, chosen)) == len(after) + 1
    assert tab.errors == []


def test_a_coordinator_makes_escalates_and_closes_an_action(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("coordinator")
    tab.open_today()
    started = utc_now()
    tab.page.get_by_label("What is to be done").fill("Chase the care home assessment")
    _choose(tab, "action-owner", "Oak Care Home")
    tab.page.get_by_role("button", name="Create action").click()
    tab.page.wait_for_selector("#action-result:has-text('made: Chase the care home assessment')")
    made = [a for a in live.api("/api/v1/actions").json() if a["title"].startswith("Chase the")]
    assert [(a["status"], a["organisation_code"]) for a in made] == [("open", "CH1")]
    row = f"#actions-grid [row-id='{made[0]['id']}']"
    tab.page.locator("#actions-grid").scroll_into_view_if_needed()
    tab.page.wait_for_selector(row)
    assert "Oak Care Home" in tab.page.inner_text("#actions-due")
    tab.page.locator(row).first.click()
    tab.page.get_by_role("button", name="Escalate the chosen action").click()
    tab.page.wait_for_selector(f"#action-result:has-text('Action {made[0]['id']} escalated')")
    tab.page.wait_for_selector(f"{row} [col-id='status']:has-text('escalated')")
    tab.page.locator(row).first.click()
    tab.page.get_by_role("button", name="Close the chosen action (done)").click()
    tab.page.wait_for_selector(f"#action-result:has-text('Action {made[0]['id']} closed')")
    history = live.api(f"/api/v1/actions/{made[0]['id']}/history").json()
    assert [v["status"] for v in history] == ["open", "escalated", "done"]
    # Replayed to the minute before it was made, the action is not there.
    minute_before = (started - timedelta(minutes=1)).replace(tzinfo=UTC).astimezone(LONDON)
    tab.page.get_by_label("Time (HH:MM, e.g. 08:30)").fill(f"{minute_before:%H.%M}")
    tab.page.get_by_label("Time (HH:MM, e.g. 08:30)").press("Enter")
    tab.page.wait_for_selector("#today-replay:has-text('Replay: you are looking at the position')")
    tab.page.wait_for_selector("#actions-note:has-text('as they stood at')")
    tab.page.wait_for_function(
        "() => document.querySelector('#actions-note').innerText.startsWith('"
        f"0 actions as they stood at {minute_before:%H:%M}')"
    )
    assert tab.page.locator(row).count() == 0
    assert tab.errors == []


def test_the_page_filters_by_site(tab: Tab, live: LiveSystem) -> None:
    tab.sign_in("coordinator")
    tab.open_today()
    _choose(tab, "today-site-filter", "Hilltop Hospital")
    tab.page.wait_for_selector("#today-status:has-text('of Hilltop Hospital only')")
    ready = live.api("/api/v1/patients/ready").json()["patients"]
    hilltop = sorted(p["patient_id"] for p in ready if p["organisation_code"] == "RX2")
    tab.page.locator("#today-patients").scroll_into_view_if_needed()
    tab.page.wait_for_function(GRID_IDS_ARE, arg=hilltop)
    snap = live.api("/api/v1/snapshot?organisation=RX2").json()
    now, _before = tab.figure("today-pathway")
    assert now["y"] == [g["now"] for g in snap["ready_to_leave"]["by_pathway"]]
    assert tab.errors == []


AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'critical' || v.impact === 'serious')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""
ACCESSIBLE_PAGES = {**PAGES, "/callsheet": "#callsheet-page table", "/returns": "#returns-month"}


def _axe_script() -> str:
    """axe-core as shipped in the axe-playwright-python package (no network needed)."""
    axe = pytest.importorskip("axe_playwright_python")
    return str(Path(axe.__file__).parent / "axe.min.js")


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_axe_finds_nothing_critical_or_serious_on_any_page(
    browser: Any, live: LiveSystem, size: tuple[int, int]
) -> None:
    script = _axe_script()
    tab = Tab(browser, live, size, bypass_csp=True)
    found: dict[str, Any] = {}
    try:
        tab.sign_in("coordinator")
        for path, ready in ACCESSIBLE_PAGES.items():
            wall = path == "/wall"
            tab.open(path + (f"#token={live.tokens['display']}" if wall else ""), ready)
            if path == "/":
                tab.open_today()
                # The date picker open, as a keyboard user opens it.
                tab.page.locator("#today-date").click()
            tab.page.add_script_tag(path=script)
            violations = tab.page.evaluate(AXE_RUN)
            if violations:
                found[path] = violations
    finally:
        tab.close()
    assert found == {}, json.dumps(found, indent=1)
