"""The pages "Import" of Amazon Payout and Amazon Order: upload, the job page, the imported
reports, a report's transactions and batches, "Aktualisieren" and the Klärungskonto.

The files are the local Amazon's (sandbox seller 1, Amazon.de), the jobs run on an in-process
RQ worker against the real Redis, as the upload's job does in production.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from functools import cache

import pytest
import sqlalchemy as sa
from flask import current_app
from rq import SimpleWorker

from blueprints import reports
from importing.batches import mark_outdated
from jobs.context import AppContextJob
from jobs.queues import get_queue, get_redis
from models import BookingRuleSet, Report, SettlementLineRow
from models.batch import Batch
from models.booking_rules import BookingRule, Integration
from models.integration import ClientIntegration, IntegrationMarketplace, ensure_integrations
from models.job_run import JobRun
from models.report import ImportLogEntry, StoredFile
from sandbox import create_sandbox_app, settlements, vat
from tests.factories import make_client, make_user
from tests.helpers import csrf_token_of

# Before the end of the ECB rates the currency converter ships.
CLOCK = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


@cache
def sandbox_state():
    return create_sandbox_app({"SANDBOX_CLOCK": CLOCK, "SANDBOX_SEED": "kontor"}).extensions[
        "sandbox"
    ]


@cache
def amazon_de_settlements() -> tuple[tuple[str, str], ...]:
    """(settlement id, text) of seller 1's Amazon.de settlements (V2), oldest first."""
    state = sandbox_state()
    seller = state.sellers[0]
    entries = sorted(
        (
            e
            for e in state.settlement_entries(seller, include_expired=True)
            if e.report_type == settlements.REPORT_TYPE and e.marketplace_ids == ["A1PA6795UKMFR9"]
        ),
        key=lambda e: e.data_start,
    )
    texts = {}
    for entry in entries:
        text = state.settlement_text(seller, entry)
        texts.setdefault(text.splitlines()[1].split("\t")[0], text)
    return tuple(texts.items())


def settlement(*, unmatched: bool = False) -> tuple[str, bytes]:
    """A settlement with (or without) an amount no default rule knows (FBA liquidations)."""
    for settlement_id, text in amazon_de_settlements():
        if ("\tLiquidations\t" in text) == unmatched:
            return settlement_id, text.encode("cp1252")
    raise AssertionError("the sandbox has no such settlement")


def vat_report() -> bytes:
    state = sandbox_state()
    text = vat.render(state.seed, state.sellers[0], vat.month_of(CLOCK) .replace(month=8),
                      state.first_index)  # fmt: skip
    return text.encode("cp1252")


@pytest.fixture
def logged_in(auth, user):
    auth.login()
    return user


@pytest.fixture
def shop(logged_in, db_session):
    shop = make_client(logged_in.organisation_id, name="Espadrille Versand GmbH")
    from models.booking_rules import seed_client_rules

    seed_client_rules(shop)
    ensure_integrations(shop)
    db_session.commit()
    return shop


def run_jobs() -> None:
    """Run the queued import jobs in an app context of their own, as a worker does: the job
    ends by removing its session, which must not be the one of the test and its requests."""
    with current_app.app_context():
        worker = SimpleWorker([get_queue("imports")], connection=get_redis(),
                              job_class=AppContextJob)  # fmt: skip
        worker.work(burst=True)


def upload(client, shop, name: str, data: bytes, integration: str = "payout"):
    page = client.get(f"/clients/{shop.id}/integrations/{integration}")
    return client.post(
        f"/clients/{shop.id}/integrations/{integration}/upload",
        data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token_of(page)},
        content_type="multipart/form-data",
    )


def imported(client, shop, name: str, data: bytes, integration: str = "payout") -> Report:
    response = upload(client, shop, name, data, integration)
    assert response.status_code == 302, response.text
    assert re.fullmatch(rf"/clients/{shop.id}/jobs/\d+", response.headers["Location"])
    run_jobs()
    job_page = client.get(response.headers["Location"])
    assert "fertig" in job_page.text, job_page.text
    from extensions import db

    return db.session.scalars(sa.select(Report).order_by(Report.id.desc())).first()


def post(client, path: str, data: dict | None = None):
    token = csrf_token_of(client.get("/clients"))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def test_the_client_page_links_both_integrations_to_their_import_page(client, shop):
    page = client.get(f"/clients/{shop.id}").text
    assert f'href="/clients/{shop.id}/integrations/order"' in page
    assert f'href="/clients/{shop.id}/integrations/payout"' in page
    for integration, label in (("payout", "Amazon Payout"), ("order", "Amazon Order")):
        page = client.get(f"/clients/{shop.id}/integrations/{integration}").text
        assert f"{label}: Import" in page
        assert "Bericht hochladen" in page
        assert f'href="/clients/{shop.id}/integrations/{integration}/settings"' in page
        assert f'href="/clients/{shop.id}/integrations/{integration}/rules"' in page
        assert "Importierte Berichte" in page
        assert "Noch keine Berichte importiert." in page


def test_a_client_without_integrations_gets_them_on_its_import_page(client, logged_in, db_session):
    shop = make_client(logged_in.organisation_id)
    assert client.get(f"/clients/{shop.id}/integrations/order").status_code == 200
    kinds = db_session.scalars(sa.select(ClientIntegration.kind).filter_by(client_id=shop.id))
    assert sorted(kinds) == ["order", "payout"]


def test_an_uploaded_settlement_is_imported_by_its_job_and_listed(client, shop, db_session):
    settlement_id, data = settlement()
    response = upload(client, shop, f"{settlement_id}.txt", data)
    assert response.status_code == 302
    job_url = response.headers["Location"]

    waiting = client.get(job_url)
    assert "wartet" in waiting.text
    assert '<meta http-equiv="refresh" content="2">' in waiting.text
    assert db_session.scalar(sa.select(sa.func.count(Report.id))) == 0

    run_jobs()
    done = client.get(job_url)
    assert "fertig" in done.text
    assert 'http-equiv="refresh"' not in done.text
    report = db_session.scalar(sa.select(Report))
    assert report.settlement_id == settlement_id
    assert f'href="/clients/{shop.id}/reports/{report.id}"' in done.text

    listing = client.get(f"/clients/{shop.id}/integrations/payout").text
    assert "Upload" in listing
    assert "Amazon.de" in listing
    assert f">{report.transaction_count}<" in listing.replace(".", "")
    assert "abgeglichen" in listing
    assert "erstellt" in listing


def test_the_same_settlement_uploaded_twice_is_imported_once(client, shop, db_session):
    settlement_id, data = settlement()
    first = imported(client, shop, "a.txt", data)
    again = upload(client, shop, "nochmal.txt", data)
    assert again.headers["Location"] == f"/clients/{shop.id}/reports/{first.id}"
    page = client.get(again.headers["Location"]).text
    assert "bereits" in page  # the message says when and how it was imported
    assert db_session.scalar(sa.select(sa.func.count(Report.id))) == 1
    assert db_session.scalar(sa.select(sa.func.count(JobRun.id))) == 1


def test_a_broken_file_is_refused_at_once_with_the_parsers_message(client, shop, db_session):
    response = upload(client, shop, "kaputt.txt", b"das ist kein Amazon-Bericht\n1\t2\t3\n")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "kaputt.txt" in page
    assert "flash-error" in page
    assert db_session.scalar(sa.select(sa.func.count(Report.id))) == 0
    assert db_session.scalar(sa.select(sa.func.count(JobRun.id))) == 0
    [entry] = db_session.scalars(sa.select(ImportLogEntry)).all()
    assert entry.outcome == "refused" and entry.file_name == "kaputt.txt"


def test_payout_takes_txt_and_order_csv_or_txt(client, shop):
    wrong = upload(client, shop, "bericht.csv", b"x")
    assert wrong.status_code == 400
    assert "Bitte laden Sie eine TXT-Datei hoch." in wrong.text
    missing = client.post(
        f"/clients/{shop.id}/integrations/order/upload",
        data={"csrf_token": csrf_token_of(client.get(f"/clients/{shop.id}/integrations/order"))},
    )
    assert missing.status_code == 400
    assert "Bitte wählen Sie eine Datei." in missing.text
    pdf = upload(client, shop, "bericht.pdf", b"x", integration="order")
    assert "Bitte laden Sie eine CSV oder TXT-Datei hoch." in pdf.text


def test_a_file_over_max_upload_bytes_is_refused(app, client, shop, db_session):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    _, data = settlement()
    response = upload(client, shop, "gross.txt", data)
    assert response.status_code == 413
    assert "größer" in response.text
    assert db_session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_a_vat_report_is_imported_through_the_order_integration(client, shop, db_session):
    report = imported(client, shop, "vat-2026-08.csv", vat_report(), integration="order")
    assert report.integration == "order"
    assert report.activity_period == "2026-AUG"
    page = client.get(f"/clients/{shop.id}/reports/{report.id}").text
    assert "Umsatzsteuerbericht 2026-AUG" in page
    assert "Summen je Typ" in page
    assert "SALE" in page


def test_a_report_shows_its_transactions_filtered_by_type_and_order_with_sums(
    client, shop, db_session, monkeypatch
):
    monkeypatch.setattr(reports, "TRANSACTIONS_PER_PAGE", 20)
    _, data = settlement()
    report = imported(client, shop, "a.txt", data)
    url = f"/clients/{shop.id}/reports/{report.id}"
    page = client.get(url).text
    assert "Summen je Typ" in page
    assert f"Seite 1 von {-(-report.transaction_count // 20)}" in page

    def type_sum(kind: str):
        return db_session.scalar(
            sa.select(sa.func.sum(SettlementLineRow.amount)).filter_by(
                report_id=report.id, transaction_type=kind
            )
        )

    refunds = client.get(url, query_string={"type": "Refund"}).text
    assert "<td>Order</td>" not in refunds
    assert f"{type_sum('Refund'):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in (
        refunds
    )

    order_id = db_session.scalar(
        sa.select(SettlementLineRow.order_id)
        .filter_by(report_id=report.id, transaction_type="Order")
        .limit(1)
    )
    lines = db_session.scalar(
        sa.select(sa.func.count()).where(
            SettlementLineRow.report_id == report.id, SettlementLineRow.order_id == order_id
        )
    )
    one_order = client.get(url, query_string={"order": order_id}).text
    assert one_order.count(f"<td>{order_id}</td>") == lines
    nothing = client.get(url, query_string={"order": "000-0000000-0000000"}).text
    assert "Keine Transaktionen für diesen Filter." in nothing


def test_downloading_the_batch_marks_it_downloaded(client, shop, db_session):
    _, data = settlement()
    report = imported(client, shop, "a.txt", data)
    batch = report.current_batch
    response = client.get(f"/clients/{shop.id}/reports/{report.id}/batches/1/download")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    if response.mimetype == "application/zip":
        body = zipfile.ZipFile(io.BytesIO(body)).read(batch.files[0].name)
    assert body.startswith(b'"EXTF"')
    db_session.expire_all()
    assert db_session.get(Batch, batch.id).downloaded_at is not None
    assert "heruntergeladen" in client.get(f"/clients/{shop.id}/integrations/payout").text


def change_commission_account(db_session, shop, account: str = "4971") -> None:
    """What the Buchungsregeln page does when the user books the selling fees (ItemFees:
    Commission and the like) on another account: the rules change, the batches are outdated."""
    rules = db_session.scalars(
        sa.select(BookingRule)
        .join(BookingRuleSet)
        .where(
            BookingRuleSet.client_id == shop.id,
            BookingRuleSet.integration == Integration.PAYOUT,
            BookingRule.amount_type == "ItemFees",
            BookingRule.amount_description == "*",
        )
    ).all()
    assert rules
    for rule in rules:
        rule.account = account
    mark_outdated(shop.id, Integration.PAYOUT)
    db_session.commit()


def test_aktualisieren_rebuilds_the_batch_and_shows_what_changed(client, shop, db_session):
    _, data = settlement()
    report = imported(client, shop, "a.txt", data)
    change_commission_account(db_session, shop)
    assert "veraltet" in client.get(f"/clients/{shop.id}/integrations/payout").text

    response = post(client, f"/clients/{shop.id}/reports/{report.id}/rebuild")
    assert response.status_code == 302
    run_jobs()
    job_page = client.get(response.headers["Location"]).text
    assert "fertig" in job_page
    changes_url = f"/clients/{shop.id}/reports/{report.id}/batches/2/changes"
    assert f'href="{changes_url}"' in job_page

    changes = client.get(changes_url).text
    assert "4971" in changes
    assert "Version 1" in changes and "Version 2" in changes
    page = client.get(f"/clients/{shop.id}/reports/{report.id}").text
    assert "Frühere Versionen" in page
    assert f"/clients/{shop.id}/reports/{report.id}/batches/1/download" in page
    assert (
        client.get(f"/clients/{shop.id}/reports/{report.id}/batches/1/changes").status_code == 404
    )


def test_rebuild_is_post_only_with_csrf(client, shop, db_session):
    _, data = settlement()
    report = imported(client, shop, "a.txt", data)
    url = f"/clients/{shop.id}/reports/{report.id}/rebuild"
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 400
    assert db_session.scalar(sa.select(sa.func.count(JobRun.id))) == 1


def test_the_klaerungskonto_lists_unmatched_keys_with_their_sums(client, shop, db_session):
    _, data = settlement(unmatched=True)
    report = imported(client, shop, "a.txt", data)
    assert report.current_batch.unmatched > 0
    listing = client.get(f"/clients/{shop.id}/integrations/payout").text
    assert "Regeln fehlen" in listing
    page = client.get(f"/clients/{shop.id}/reports/{report.id}").text
    assert "Klärungskonto" in page
    section = page[page.index("<h2>Klärungskonto</h2>") :]
    total = db_session.scalar(
        sa.select(sa.func.sum(SettlementLineRow.amount)).filter_by(
            report_id=report.id, amount_description="Liquidations"
        )
    )
    assert "<td>Liquidations</td>" in section
    # "Regel anlegen" opens the Buchungsregeln form for exactly this key, and leads back here.
    link = re.search(r'href="([^"]*/rules/from-key\?[^"]*)"', section).group(1)
    assert link.startswith(f"/clients/{shop.id}/integrations/payout/rules/from-key?")
    for part in ("transaction_type=other-transaction", "amount_type=other-transaction",
                 "amount_description=Liquidations", f"report_id={report.id}"):  # fmt: skip
        assert part in link.replace("&amp;", "&")
    assert f"{total:.2f}".replace(".", ",") + "\xa0€" in section


def test_plus_adds_a_payout_marketplace_with_the_default_accounts(client, shop, db_session):
    page = client.get(f"/clients/{shop.id}/integrations/payout")
    response = client.post(
        f"/clients/{shop.id}/integrations/payout/marketplaces",
        data={"marketplace": "Amazon.fr", "csrf_token": csrf_token_of(page)},
    )
    assert response.status_code == 302
    after = client.get(response.headers["Location"]).text
    assert "ggf. musst du das Setup von deiner Steuerberatung überprüfen lassen" in after
    assert "<li>Amazon.fr</li>" in after
    payout = db_session.scalar(sa.select(ClientIntegration).filter_by(client_id=shop.id,
                                                                       kind="payout"))  # fmt: skip
    assert [m.marketplace for m in payout.marketplaces] == ["Amazon.fr"]
    assert db_session.scalar(
        sa.select(BookingRuleSet).filter_by(
            client_id=shop.id, integration="payout", marketplace="Amazon.fr"
        )
    )
    twice = client.post(
        f"/clients/{shop.id}/integrations/payout/marketplaces",
        data={"marketplace": "Amazon.fr", "csrf_token": csrf_token_of(page)},
    )
    assert "Diesen Marktplatz kennt Kontor nicht." in client.get(twice.headers["Location"]).text
    assert db_session.scalar(sa.select(sa.func.count(IntegrationMarketplace.id))) == 1


def test_order_imports_every_marketplace_but_the_excluded(client, shop, db_session):
    order = db_session.scalar(sa.select(ClientIntegration).filter_by(client_id=shop.id,
                                                                      kind="order"))  # fmt: skip
    db_session.add(IntegrationMarketplace(integration_id=order.id, marketplace="Amazon.pl",
                                          excluded=True))  # fmt: skip
    db_session.commit()
    page = client.get(f"/clients/{shop.id}/integrations/order").text
    assert "Alle Marktplätze außer Amazon.pl." in page
    assert "/integrations/payout/marketplaces" not in page


def test_all_batches_of_a_month_come_as_one_zip(client, shop, db_session):
    first_id, first = amazon_de_settlements()[-2]
    second_id, second = amazon_de_settlements()[-1]
    one = imported(client, shop, f"{first_id}.txt", first.encode("cp1252"))
    imported(client, shop, f"{second_id}.txt", second.encode("cp1252"))
    month = one.period_end
    listing = client.get(f"/clients/{shop.id}/integrations/payout").text
    url = f"/clients/{shop.id}/integrations/payout/months/{month.year}-{month.month}"
    assert f'href="{url}"' in listing
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names and all(name.endswith(".csv") for name in names)


def test_another_users_job_page_is_not_found(client, shop, db_session):
    stranger = make_user("fremd@example.org")
    foreign = make_client(stranger.organisation_id, name="Fremde GmbH")
    run = JobRun(client_id=foreign.id, kind="import", integration="payout")
    db_session.add(run)
    db_session.commit()
    assert client.get(f"/clients/{foreign.id}/jobs/{run.id}").status_code == 404
    assert client.get(f"/clients/{shop.id}/jobs/{run.id}").status_code == 404


def test_a_file_the_job_refuses_ends_the_job_failed_with_the_german_message(
    client, shop, db_session
):
    settlement_id, data = settlement()
    lines = data.decode("cp1252").splitlines()
    cells = lines[-1].split("\t")
    cells[14] = "zwölf"  # the amount column of the last line: past the upload's quick check
    broken = "\n".join([*lines[:-1], "\t".join(cells)]) + "\n"
    response = upload(client, shop, f"{settlement_id}.txt", broken.encode("cp1252"))
    assert re.fullmatch(rf"/clients/{shop.id}/jobs/\d+", response.headers["Location"])
    run_jobs()
    page = client.get(response.headers["Location"]).text
    assert "fehlgeschlagen" in page
    assert 'role="alert"' in page
    assert f"Zeile {len(lines)}" in page
    assert 'http-equiv="refresh"' not in page
    assert db_session.scalar(sa.select(sa.func.count(Report.id))) == 0
