"""The sandbox's document URLs come from its own base URL, never from the request's Host
header (python-amazon-sp-api over plain http sends the host without its first character)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amazon.documents import download
from amazon.entries import DocumentRef
from tests.sandbox.sandbox_helpers import NOW, SETTLEMENT, http_access_token


def document_url(sandbox, headers: dict) -> str:
    entry = next(
        sandbox.selling_partner().reports([SETTLEMENT], created_since=NOW - timedelta(days=30))
    )
    token = http_access_token(sandbox.url, sandbox.seller())
    response = sandbox.http.get(
        f"{sandbox.url}/reports/2021-06-30/documents/{entry.document_id}",
        headers={"x-amz-access-token": token, **headers},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["url"]


def test_a_wrong_host_header_still_gets_a_reachable_url(sandbox, tmp_path):
    wrong_host = sandbox.url.removeprefix("http://")[1:]  # "27.0.0.1:PORT"

    url = document_url(sandbox, {"Host": wrong_host})

    assert url.startswith(sandbox.url + "/_documents/")
    path = download(DocumentRef("doc", url, "GZIP"), tmp_path / "doc.txt", max_bytes=10**8)
    assert path.read_text(encoding="cp1252").startswith("settlement-id")


@pytest.mark.parametrize("sandbox_config", [{"SANDBOX_PUBLIC_URL": "https://sandbox.example/"}])
def test_the_public_url_setting_names_the_host(sandbox):
    url = document_url(sandbox, {"Host": "elsewhere.example"})

    assert url.startswith("https://sandbox.example/_documents/")


@pytest.mark.parametrize("bound", ["0.0.0.0", "::"])  # noqa: S104 - what a server binds to
def test_bound_to_every_interface_the_url_names_the_loopback(bound):
    from werkzeug.test import EnvironBuilder

    from sandbox import create_sandbox_app
    from sandbox.reports import public_base_url

    app = create_sandbox_app({"SANDBOX_CLOCK": NOW})
    environ = EnvironBuilder(path="/", headers={"Host": "x.example"}).get_environ()
    environ.update(SERVER_NAME=bound, SERVER_PORT="5001")
    with app.request_context(environ):
        assert public_base_url() == "http://127.0.0.1:5001"
