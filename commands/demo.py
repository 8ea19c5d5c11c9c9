"""`flask demo`: seed an idempotent demo organisation, user and client, with a history.

The history is what a seller who used the file uploads so far would have: the sandbox seller 1's
settlements and VAT reports, uploaded, except what the API still reaches (the gap analysis's
reach: the import after connecting fetches those) and with one settlement left out, so the
migration wizard has a hole to find and nothing else to ask for. The files come
from the sandbox's own generators, the same the local Amazon serves.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from extensions import db
from importing.archive import store_file
from importing.gaps import API_REACH
from importing.intake import import_file
from models import Client, Organisation, User
from models.booking_rules import Integration, seed_client_rules, seed_rule_set
from models.integration import IntegrationMarketplace, ensure_integrations
from models.report import ImportOutcome, Report, Source
from sandbox import create_sandbox_app, settlements, vat

DEMO_ORGANISATION = "Demo Handel GmbH"
DEMO_EMAIL = "demo@kontor.local"
DEMO_PASSWORD = "kontor-demo"  # noqa: S105 - a published demo login, only seeded on request
DEMO_CLIENT = {
    "name": "Espadrille Versand GmbH",
    "berater_nr": 1001,
    "mandant_nr": 10001,
    "fiscal_year_start_month": 1,
    "fiscal_year_start_day": 1,
    "account_length": 4,
    "chart": "SKR03",
    "vat_id": "DE136695976",
    "amazon_seller_id": None,
}
DEMO_SELLER = 1  # the sandbox seller whose reports the demo client uploaded
# The settlement left out of the history (counted from the oldest, on the first run): later
# runs add only what is newer than the history, so the hole stays where it is.
LEFT_OUT = 5


def seed_demo() -> tuple[User, Client]:
    """Create the demo data where it is missing; running it again changes nothing."""
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
        ) or Organisation(name=DEMO_ORGANISATION)
        user = User(organisation=organisation, email=DEMO_EMAIL, name="Demo-Nutzerin")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    client = db.session.scalar(
        sa.select(Client).where(
            Client.organisation_id == user.organisation_id,
            Client.berater_nr == DEMO_CLIENT["berater_nr"],
            Client.mandant_nr == DEMO_CLIENT["mandant_nr"],
        )
    )
    if client is None:
        client = Client(organisation_id=user.organisation_id, **DEMO_CLIENT)
        db.session.add(client)
        db.session.flush()
    seed_client_rules(client)
    ensure_integrations(client)  # idempotent: adds only what is missing
    db.session.commit()
    return user, client


@dataclass(frozen=True)
class HistoryFile:
    integration: Integration
    name: str
    text: str
    period_start: date
    key: str  # what identifies the report: the marketplace and start of a settlement, a month


def history_files(sandbox_config: dict | None = None) -> list[HistoryFile]:
    """Seller 1's settlements (V2) and VAT reports that the API no longer reaches, oldest first,
    from the sandbox's generators: what a careful seller uploads before connecting."""
    state = create_sandbox_app(sandbox_config or {}).extensions["sandbox"]
    seller = state.sellers[DEMO_SELLER - 1]
    now = state.clock.now()
    reach_start = now.date() - API_REACH
    files: dict[str, HistoryFile] = {}
    for entry in state.settlement_entries(seller, include_expired=True):
        # Amazon lists every settlement in two layouts and some twice: one file each.
        if entry.report_type != settlements.REPORT_TYPE or entry.data_end.date() >= reach_start:
            continue
        key = f"{entry.marketplace_ids[0]}:{entry.data_start.isoformat()}"
        files.setdefault(
            key,
            HistoryFile(
                Integration.PAYOUT,
                f"settlement-{entry.report_id}.txt",
                state.settlement_text(seller, entry),
                entry.data_start.date(),
                key,
            ),
        )
    month = vat.month_of(min((f.period_start for f in files.values()), default=reach_start))
    while month < reach_start.replace(day=1) and vat.available_from(month) <= now:
        text = vat.render(state.seed, seller, month, state.first_index)
        if text is not None:
            key = f"vat:{month.isoformat()}"
            files[key] = HistoryFile(Integration.ORDER, f"vat-{month:%Y-%m}.txt", text, month, key)
        month = vat.next_month(month)
    return sorted(files.values(), key=lambda f: (f.period_start, f.key))


def seed_history(user: User, client: Client, files: list[HistoryFile]) -> int:
    """Upload the history files the client has not imported yet; returns how many it imported.

    On the first run one settlement stays out (LEFT_OUT); afterwards only files newer than the
    newest imported report of their integration are added, so reruns never fill the hole."""
    marketplaces = {name for f in files if f.integration == Integration.PAYOUT
                    for name in marketplaces_of(f.text)}  # fmt: skip
    _list_marketplaces(client, marketplaces)
    newest = dict(
        db.session.execute(
            sa.select(Report.integration, sa.func.max(Report.period_start))
            .filter_by(client_id=client.id)
            .group_by(Report.integration)
        ).all()
    )
    if not newest:
        payouts = [f for f in files if f.integration == Integration.PAYOUT]
        skipped = payouts[LEFT_OUT].key if len(payouts) > LEFT_OUT else None
        wanted = [f for f in files if f.key != skipped]
    else:
        wanted = [
            f for f in files
            if f.integration.value in newest and f.period_start > newest[f.integration.value]
        ]  # fmt: skip
    integrations = {row.kind: row for row in ensure_integrations(client)}
    imported = 0
    for f in wanted:
        stored = store_file(
            client.id,
            f.name,
            io.BytesIO(f.text.encode("cp1252")),
            user_id=user.id,
            max_bytes=len(f.text) * 4 + 1,
        )
        db.session.flush()
        result = import_file(
            client, integrations[f.integration.value], stored, source=Source.UPLOAD,
            user_id=user.id,
        )  # fmt: skip
        db.session.commit()
        if result.outcome == ImportOutcome.IMPORTED:
            imported += 1
        elif result.outcome == ImportOutcome.REFUSED:
            raise click.ClickException(f"{f.name}: {result.message}")
    return imported


def marketplaces_of(text: str) -> set[str]:
    """The marketplace-name column of a V2 settlement (the first line has none)."""
    lines = text.splitlines()
    header = lines[0].split("\t")
    column = header.index("marketplace-name")
    return {cells[column] for line in lines[1:] if len(cells := line.split("\t")) > column
            and cells[column]}  # fmt: skip


def _list_marketplaces(client: Client, marketplaces: set[str]) -> None:
    """The demo's Payout integration lists the stores it sells in, each with its rule set."""
    payout = next(r for r in ensure_integrations(client) if r.kind == Integration.PAYOUT)
    listed = {m.marketplace.casefold() for m in payout.marketplaces}
    for name in sorted(marketplaces):
        if name.casefold() not in listed:
            db.session.add(IntegrationMarketplace(integration_id=payout.id, marketplace=name))
            seed_rule_set(client, Integration.PAYOUT, name)
    db.session.commit()


@click.command("demo")
@click.option(
    "--no-history", is_flag=True, help="Ohne die hochgeladenen Berichte der Vergangenheit."
)
@with_appcontext
def demo_command(no_history: bool) -> None:
    """Legt die Demo-Daten an (mehrfach ausführbar)."""
    started = time.monotonic()
    user, client = seed_demo()
    click.echo(f"Demo bereit: Anmeldung {DEMO_EMAIL} / {DEMO_PASSWORD}, Mandant „{client.name}“.")
    if not no_history:
        imported = seed_history(user, client, history_files())
        seconds = time.monotonic() - started
        click.echo(f"Historie: {imported} Berichte neu importiert ({seconds:.1f} s).")
