"""The Trends page's callbacks: complete periods only, SPC cards for readers of aggregates."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient

from dashboard.callbacks import trends
from dashboard.data import Backend
from dashboard.pages.trends import HEADLINES

NOW = datetime(2025, 3, 10, 12, 0)  # a Monday


def test_weeks_are_complete_and_start_after_the_data_does() -> None:
    assert trends.period("week", date(2025, 3, 10), None) == (date(2024, 3, 11), date(2025, 3, 9))
    # Data from Thu 20 Feb: the first complete week starts Mon 24 Feb.
    assert trends.period("week", date(2025, 3, 12), date(2025, 2, 20)) == (
        date(2025, 2, 24),
        date(2025, 3, 9),
    )
    assert trends.period("week", date(2025, 3, 12), date(2025, 3, 5)) is None


def test_months_are_complete_and_start_after_the_data_does() -> None:
    assert trends.period("month", date(2025, 3, 10), None) == (date(2023, 3, 1), date(2025, 2, 28))
    assert trends.period("month", date(2025, 3, 10), date(2024, 11, 2)) == (
        date(2024, 12, 1),
        date(2025, 2, 28),
    )


def test_a_reader_gets_a_card_per_headline_metric(backend: Backend, tokens: dict[str, str]) -> None:
    status = trends.status(backend, tokens["board"], "week", None, NOW)
    assert "Weeks from 24 Feb 2025 to 09 Mar 2025, all partners." in str(status)
    cards = [trends.chart_card(backend, tokens["board"], n, "week", None, NOW) for n in HEADLINES]
    headings = [card[0].children for card in cards]
    assert headings[0] == "Delayed bed days (bed days)"
    assert "Home First rate (%)" in headings
    assert "Stranded patients (7+ days) (patients)" in headings
    assert all(len(card) > 1 for card in cards)  # badges, chart and definition follow


def test_a_card_draws_the_spc_chart_the_api_serves(
    backend: Backend, tokens: dict[str, str], client: TestClient
) -> None:
    card = trends.chart_card(backend, tokens["board"], "stranded_7", "week", None, NOW)
    [graph] = [c.children for c in card if getattr(c, "className", None) == "chart"]
    drawn = {t["name"]: t["y"] for t in graph.figure["data"]}
    params = {"start": "2025-02-24", "end": "2025-03-09", "interval": "week"}
    headers = {"Authorization": f"Bearer {tokens['board']}"}
    [chart] = client.get("/api/v1/metrics/stranded_7/spc", params=params, headers=headers).json()[
        "charts"
    ]
    assert list(drawn["Value (patients)"]) == [p["value"] for p in chart["points"]]
    assert list(drawn["Mean"]) == [p["mean"] for p in chart["points"]]


def test_the_organisation_filter_and_its_options(backend: Backend, tokens: dict[str, str]) -> None:
    status = trends.status(backend, tokens["analyst"], "week", "RX1", NOW)
    assert "RX1" in str(status)
    card = trends.chart_card(backend, tokens["analyst"], "stranded_7", "week", "RX1", NOW)
    assert len(card) > 1
    options = trends.organisation_options(backend, tokens["board"], NOW)
    assert options[0] == {"label": "All partners", "value": ""}
    assert {"label": "Riverside Hospital", "value": "RX1"} in options
    assert trends.organisation_options(backend, None, NOW) == options[:1]


def test_the_display_role_and_strangers_see_nothing(
    backend: Backend, tokens: dict[str, str]
) -> None:
    for token in (tokens["display"], None):
        assert "Sign in" in str(trends.status(backend, token, "week", None, NOW))
        card = trends.chart_card(backend, token, "home_first_rate", "week", None, NOW)
        assert [c.children for c in card] == ["Home First rate (%)"]


def test_bed_days_saved_are_priced_when_a_cost_is_set(
    backend: Backend, tokens: dict[str, str]
) -> None:
    priced = Backend(
        backend.get_database, backend.settings.model_copy(update={"cost_per_bed_day": 400.0})
    )
    # p3's discharge on 6 March (P1, delay 0) is the baseline chosen: week 3–9 March.
    baseline = (date(2025, 3, 3), date(2025, 3, 9))
    card = trends.chart_card(priced, tokens["board"], "bed_days_saved", "week", None, NOW, baseline)
    notes = [c.children for c in card if getattr(c, "className", None) == "chart-note"]
    assert any("at £400 a bed day" in note for note in notes)
    assert "Baseline: 03 Mar 2025 to 09 Mar 2025." in notes
    plain = trends.chart_card(backend, tokens["board"], "bed_days_saved", "week", None, NOW)
    assert not any("a bed day" in str(c) for c in plain)


def test_bed_days_saved_without_baseline_data_says_so(
    backend: Backend, tokens: dict[str, str]
) -> None:
    # The default baseline, the 12 weeks before 24 Feb 2025, holds no discharge.
    card = trends.chart_card(backend, tokens["board"], "bed_days_saved", "week", None, NOW)
    notes = [c.children for c in card if getattr(c, "className", None) == "chart-note"]
    assert "Baseline: 02 Dec 2024 to 23 Feb 2025." in notes
    assert "No figure where there is no baseline: no discharges 2024-12-02 to 2025-02-23." in notes


def test_the_baseline_picked_on_the_page() -> None:
    assert trends.baseline_of("2025-03-03", "2025-03-09T00:00:00") == (
        date(2025, 3, 3),
        date(2025, 3, 9),
    )
    assert trends.baseline_of(None, "2025-03-09") is None
    assert trends.baseline_of("2025-03-10", "2025-03-09") is None


def test_the_summary_table_has_a_row_per_headline_metric_linking_to_its_chart(
    backend: Backend, tokens: dict[str, str]
) -> None:
    table = trends.summary_table(backend, tokens["board"], "week", None, NOW)
    rows = table.children[1].children
    assert [r.to_plotly_json()["props"]["data-metric"] for r in rows] == list(HEADLINES)
    link = rows[0].children[0].children
    assert link.href == f"#chart-{HEADLINES[0]}"
    home_first = rows[list(HEADLINES).index("home_first_rate")]
    assert home_first.children[3].children == "95 %"  # the national ambition as the target
    assert "Sign in" in str(trends.summary_table(backend, tokens["display"], "week", None, NOW))


def test_a_note_and_a_rebase_are_stored_and_drawn(backend: Backend, tokens: dict[str, str]) -> None:
    shown, stored = trends.add_note(
        backend, tokens["analyst"], "stranded_7", "2025-03-03", "Hub opened", ["rebase"], NOW
    )
    assert stored and "Rebase stored on Stranded patients (7+ days), 03 Mar 2025" in str(shown)
    card = trends.chart_card(backend, tokens["board"], "stranded_7", "week", None, NOW)
    [graph] = [c.children for c in card if getattr(c, "className", None) == "chart"]
    layout = graph.figure["layout"]
    assert [s["x0"] for s in layout["shapes"]] == ["2025-03-03"]
    assert layout["annotations"][0]["text"] == "Rebase: Hub opened"
    refused, stored = trends.add_note(
        backend, tokens["board"], "stranded_7", "2025-03-03", "x", [], NOW
    )
    assert not stored and "may not" in str(refused)
    bad, stored = trends.add_note(backend, tokens["analyst"], "stranded_7", None, "x", [], NOW)
    assert not stored and "day" in str(bad)


def test_delay_bands_are_stacked_bars(backend: Backend, tokens: dict[str, str]) -> None:
    card = trends.bands_card(backend, tokens["board"], "week", None, NOW)
    [graph] = [c.children for c in card if getattr(c, "className", None) == "chart"]
    figure = graph.figure
    assert figure["layout"]["barmode"] == "stack"
    assert [t["name"] for t in figure["data"]] == ["0", "1", "2-3", "4-6", "7-13", "14-20", "21+"]
