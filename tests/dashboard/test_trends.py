"""The Trends page's callbacks: complete periods only, SPC cards for readers of aggregates."""

from __future__ import annotations

from datetime import date, datetime

from dashboard.callbacks import trends
from dashboard.data import Source

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


def test_a_reader_gets_a_card_per_headline_metric(source: Source, tokens: dict[str, str]) -> None:
    status, cards = trends.charts(source, tokens["board"], "week", None, NOW)
    assert "Weeks from 24 Feb 2025 to 09 Mar 2025" in str(status)
    assert len(cards) == len(trends.HEADLINES)
    headings = [card.children[0].children for card in cards]
    assert (
        headings[0] == "Home First rate (%)"
        and headings[4] == "Stranded patients (7+ days) (patients)"
    )


def test_the_organisation_filter_and_its_options(source: Source, tokens: dict[str, str]) -> None:
    status, cards = trends.charts(source, tokens["analyst"], "week", "RX1", NOW)
    assert "RX1" in str(status) and len(cards) == len(trends.HEADLINES)
    options = trends.organisation_options(source, tokens["board"], NOW)
    assert options[0] == {"label": "All partners", "value": ""}
    assert {"label": "Riverside Hospital", "value": "RX1"} in options
    assert trends.organisation_options(source, None, NOW) == options[:1]


def test_the_display_role_and_strangers_see_nothing(source: Source, tokens: dict[str, str]) -> None:
    for token in (tokens["display"], None):
        status, cards = trends.charts(source, token, "week", None, NOW)
        assert cards == [] and "Sign in" in str(status)
