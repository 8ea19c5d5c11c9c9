"""Another organisation's ids answer 404 on every API route, exactly like missing ones."""

from __future__ import annotations

import re

import pytest

from extensions import db
from tests.api.helpers import SETTLEMENT, bearer, imported, issue_token


@pytest.fixture
def foreign_ids(client, stranger) -> dict[str, int]:
    """A client of another organisation with an imported report and its job."""
    user, foreign_client = stranger
    client_id = foreign_client.id
    job = imported(client, bearer(issue_token(user)), client_id, SETTLEMENT.read_bytes())
    assert job["state"] == "done", job
    return {"client_id": client_id, "report_id": job["report_id"], "job_id": job["id"]}


def foreign_path(rule, ids: dict[str, int]) -> str:
    # KeyError: a route with a new kind of id needs a foreign object of that kind above.
    return re.sub(r"<int:(\w+)>", lambda match: str(ids[match.group(1)]), rule.rule)


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]


def test_every_api_route_with_an_id_answers_404_for_another_organisations_id(
    app, client, headers, foreign_ids
):
    checked = []
    for rule in api_rules(app):
        if not rule.arguments:
            continue
        path = foreign_path(rule, foreign_ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 404, (method, path, response.json)
            assert response.json == {"error": "Nicht gefunden."}
            checked.append(f"{method} {rule.rule}")
    assert sorted(checked) == [
        "GET /api/v1/clients/<int:client_id>",
        "GET /api/v1/clients/<int:client_id>/reports",
        "GET /api/v1/jobs/<int:job_id>",
        "GET /api/v1/reports/<int:report_id>",
        "GET /api/v1/reports/<int:report_id>/batch",
        "POST /api/v1/clients/<int:client_id>/reports",
    ]


def test_the_same_ids_answer_the_owner(client, stranger, foreign_ids):
    own = bearer(issue_token(db.session.merge(stranger[0]), "eigener"))
    for name, value in foreign_ids.items():
        path = {
            "client_id": f"/api/v1/clients/{value}",
            "report_id": f"/api/v1/reports/{value}",
            "job_id": f"/api/v1/jobs/{value}",
        }[name]
        assert client.get(path, headers=own).status_code == 200, path


def test_lists_hold_no_other_organisations_clients(client, headers, foreign_ids):
    assert client.get("/api/v1/clients", headers=headers).json == []


def test_every_api_route_needs_a_token(app, client, foreign_ids):
    for rule in api_rules(app):
        path = foreign_path(rule, foreign_ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code == 401, (method, path)
