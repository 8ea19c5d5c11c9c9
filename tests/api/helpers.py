"""Helpers of the API tests: tokens, clients with their rules, uploads through the job."""

from __future__ import annotations

import io
from pathlib import Path

from rq import SimpleWorker

from extensions import db
from jobs.context import AppContextJob
from jobs.queues import get_queue, get_redis
from models import ApiToken, Client
from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations
from tests.factories import make_client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
SETTLEMENT = FIXTURES / "settlement-v1-amazon-ca-24288684721.txt"
VAT_REPORT = FIXTURES / "vat-transactions-2020-02-de-seller.txt"


def issue_token(user, name: str = "Skript") -> str:
    row, token = ApiToken.issue(user, name)
    db.session.add(row)
    db.session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_with_rules(organisation_id: int, **fields) -> Client:
    """A client as the form creates it: with its default rules and its two integrations."""
    client = make_client(organisation_id, **fields)
    seed_client_rules(client)
    ensure_integrations(client)
    db.session.commit()
    return client


def upload(client, headers, client_id: int, data: bytes, name: str = "bericht.txt"):
    return client.post(
        f"/api/v1/clients/{client_id}/reports",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def run_jobs() -> None:
    SimpleWorker([get_queue("imports")], connection=get_redis(), job_class=AppContextJob).work(
        burst=True
    )


def imported(client, headers, client_id: int, data: bytes, name: str = "bericht.txt") -> dict:
    """Upload, run the job, and answer the finished job as the API shows it."""
    accepted = upload(client, headers, client_id, data, name)
    assert accepted.status_code == 202, accepted.json
    run_jobs()
    return client.get(f"/api/v1/jobs/{accepted.json['job']['id']}", headers=headers).json
