"""The e-mails of the automatic import: a summary after an import, a connection that needs
renewal, repeated failures. German, plain text and HTML (templates/mail/), absolute links to
PUBLIC_URL and an unsubscribe link in each.

    notify_import_summary(connection, job_run)
    notify_renewal_needed(connection)
    notify_repeated_failures(connection)

Only integrations with `notify` on are mailed; their `notify_recipients`, else the users of the
client's organisation. A recipient of both integrations gets one message, whose unsubscribe
link switches off exactly the integrations it was sent for. The messages are composed here and
handed to the app's outbox: jobs.init_app puts the mail job of the "mail" queue there (this
layer may not import jobs), so SMTP trouble is retried by the queue, never by the sync job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from models import db
from models.amazon_connection import AmazonConnection
from models.client import Client
from models.integration import ClientIntegration
from models.job_run import JobRun
from models.report import Report
from models.user import User

OUTBOX = "kontor.mail_outbox"
UNSUBSCRIBE_SALT = "kontor.notifications.unsubscribe"
_ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class OutgoingMail:
    """One composed message: plain values, so a queue can carry it."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Audience:
    """Recipients who get the same message: they follow the same integrations."""

    recipients: tuple[str, ...]
    integrations: tuple[ClientIntegration, ...]


def notify_import_summary(connection: AmazonConnection, job_run: JobRun) -> list[OutgoingMail]:
    """After an automatic import: the reports `job_run` imported and their batches. Nothing is
    sent when it imported nothing."""
    reports = imported_reports(job_run)
    kinds = {report.integration for report in reports}
    audiences = audiences_of(connection.client, lambda row: row.kind in kinds)
    mails = []
    for audience in audiences:
        followed = {row.kind for row in audience.integrations}
        sections = [
            (row, [report for report in reports if report.integration == row.kind])
            for row in audience.integrations
        ]
        count = sum(len(items) for _, items in sections)
        subject = (
            f"Kontor: {count} {'neuer Bericht' if count == 1 else 'neue Berichte'} "
            f"für {connection.client.name}"
        )
        mails.append(
            _compose(
                "import_summary",
                audience,
                subject,
                client=connection.client,
                sections=sections,
                report_count=count,
                batch_links={
                    report.id: absolute_url(
                        "reports.download",
                        client_id=report.client_id,
                        report_id=report.id,
                        version=report.current_batch.version,
                    )
                    for report in reports
                    if report.integration in followed and report.current_batch is not None
                },
            )
        )
    return _deliver(mails)


def notify_renewal_needed(connection: AmazonConnection) -> list[OutgoingMail]:
    """Amazon refused the connection's refresh token: nothing is fetched until it is renewed."""
    name = connection.client.name
    return _notify_about(connection, "renewal_needed", f"Amazon-Verbindung von {name} erneuern")


def notify_repeated_failures(connection: AmazonConnection) -> list[OutgoingMail]:
    """The automatic fetch failed `consecutive_failures` times in a row."""
    name = connection.client.name
    return _notify_about(
        connection, "repeated_failures", f"Automatischer Abruf für {name} schlägt fehl"
    )


def _notify_about(connection: AmazonConnection, template: str, subject: str) -> list[OutgoingMail]:
    """A message about the connection itself to everyone who follows the client's imports."""
    client = connection.client
    mails = [
        _compose(template, audience, f"Kontor: {subject}", client=client, connection=connection)
        for audience in audiences_of(client)
    ]
    return _deliver(mails)


def imported_reports(job_run: JobRun) -> list[Report]:
    """The reports a job imported: those it recorded (a sync imports many), or its one report."""
    ids = {report.id for report in job_run.reports}
    if job_run.report_id is not None:
        ids.add(job_run.report_id)
    if not ids:
        return []
    query = (
        sa.select(Report)
        .filter(Report.id.in_(ids))
        .options(selectinload(Report.batches))
        .order_by(Report.integration.desc(), Report.period_start, Report.id)
    )
    if job_run.integration:
        query = query.filter_by(integration=job_run.integration)
    return list(db.session.scalars(query))


def audiences_of(
    client: Client, wanted: Callable[[ClientIntegration], bool] = lambda row: True
) -> list[Audience]:
    """Who is mailed about `client`: for each recipient the wanted integrations with notify on
    that list them (or, listing none, mail the organisation's users); recipients with the same
    integrations share a message."""
    rows = db.session.scalars(
        sa.select(ClientIntegration)
        .filter_by(client_id=client.id, notify=True)
        .order_by(ClientIntegration.kind.desc())  # Payout before Order
    )
    followed: dict[str, list[ClientIntegration]] = {}
    spelled: dict[str, str] = {}
    for row in rows:
        if not wanted(row):
            continue
        for address in recipients_of(row):
            key = address.casefold()
            spelled.setdefault(key, address)
            followed.setdefault(key, []).append(row)
    groups: dict[tuple[int, ...], list[str]] = {}
    for key, integrations in followed.items():
        groups.setdefault(tuple(row.id for row in integrations), []).append(spelled[key])
    by_id = {row.id: row for integrations in followed.values() for row in integrations}
    return [
        Audience(tuple(addresses), tuple(by_id[i] for i in ids))
        for ids, addresses in groups.items()
    ]


def recipients_of(row: ClientIntegration) -> list[str]:
    listed = [a for a in _ADDRESS_SEPARATORS.split(row.notify_recipients or "") if a]
    if listed:
        return listed
    return list(
        db.session.scalars(
            sa.select(User.email)
            .filter_by(organisation_id=row.client.organisation_id, is_active_user=True)
            .order_by(User.id)
        )
    )


def absolute_url(endpoint: str, **values) -> str:
    """A link for an e-mail: built on PUBLIC_URL, as no request tells where Kontor is seen."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def unsubscribe_token(integrations: Iterable[ClientIntegration]) -> str:
    return _serializer().dumps(sorted(row.id for row in integrations))


def integrations_of_token(token: str) -> list[ClientIntegration]:
    """The integrations an unsubscribe token was made for; [] for a forged or broken one."""
    try:
        ids = _serializer().loads(token)
    except BadSignature:
        return []
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return []
    return list(
        db.session.scalars(
            sa.select(ClientIntegration)
            .filter(ClientIntegration.id.in_(ids))
            .order_by(ClientIntegration.kind.desc())
        )
    )


def _serializer() -> URLSafeSerializer:
    # No expiry: an unsubscribe link must work in a message read months later, and all it can
    # do is switch a notification off.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def _compose(template: str, audience: Audience, subject: str, **context) -> OutgoingMail:
    unsubscribe = absolute_url(
        "notifications.unsubscribe", token=unsubscribe_token(audience.integrations)
    )
    client = context["client"]
    context.update(
        integrations=audience.integrations,
        unsubscribe_url=unsubscribe,
        client_url=absolute_url("clients.show", client_id=client.id),
        integration_urls={
            row.kind: absolute_url("integrations.show", client_id=client.id, integration=row.kind)
            for row in audience.integrations
        },
        settings_urls={
            row.kind: absolute_url(
                "integration_settings.edit", client_id=client.id, integration=row.kind
            )
            for row in audience.integrations
        },
        report_url=lambda report: absolute_url(
            "reports.show", client_id=report.client_id, report_id=report.id
        ),
    )
    return OutgoingMail(
        to=audience.recipients,
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", subject=subject, **context),
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )


def _deliver(mails: list[OutgoingMail]) -> list[OutgoingMail]:
    outbox = current_app.extensions[OUTBOX]
    for mail in mails:
        outbox(mail)
    return mails
