"""The Returns page's downloads are the API's files, for the roles that may export."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from dashboard.callbacks import returns
from dashboard.data import Backend
from dashboard.pages.returns import months

NOW = datetime(2025, 4, 10, 12, 0)


def test_the_months_offered_start_with_the_last_one() -> None:
    offered = months(NOW.date())
    assert offered[0] == {"label": "March 2025", "value": "2025-03"}
    assert offered[2]["value"] == "2025-01" and len(offered) == 36


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("drd_csv", {"format": "csv"}),
        ("drd_xlsx", {"format": "xlsx"}),
        ("drd_csv", {"format": "csv", "suppress": "true"}),
    ],
)
def test_the_drd_return_downloaded_is_the_apis(
    backend: Backend, tokens: dict[str, str], client: TestClient, kind: str, params: dict[str, str]
) -> None:
    suppress = "suppress" in params
    sent, _shown = returns.download(backend, tokens["analyst"], kind, "2025-03", suppress, NOW)
    headers = {"Authorization": f"Bearer {tokens['analyst']}"}
    api = client.get("/api/v1/returns/drd", params={"month": "2025-03"} | params, headers=headers)
    if kind.endswith("csv"):
        assert base64.b64decode(sent["content"]) == api.content
    else:
        assert sent["filename"] == "drd_return_2025-03.xlsx"


def test_the_board_pack_and_refusals(backend: Backend, tokens: dict[str, str]) -> None:
    sent, shown = returns.download(backend, tokens["analyst"], "pack_html", "2025-03", False, NOW)
    assert b"Board pack: March 2025" in base64.b64decode(sent["content"])
    refused, shown = returns.download(backend, tokens["board"], "drd_csv", "2025-03", False, NOW)
    assert refused is None and "may not" in str(shown)
    early, shown = returns.download(backend, tokens["analyst"], "pack_xlsx", "2025-01", False, NOW)
    assert early is None and "no whole month" in str(shown)
