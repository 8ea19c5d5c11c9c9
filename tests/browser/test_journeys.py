"""User journeys in a real browser: log in, create and edit a client, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, live_server, email="anna@example.org"):
    page.goto(f"{live_server}/clients")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_user_logs_in_creates_and_edits_a_client_and_logs_out(page, live_server, user):
    log_in(page, live_server)
    page.wait_for_url(f"{live_server}/clients")
    expect(page.get_by_role("heading", name="Shops / Accounts")).to_be_visible()

    page.get_by_role("link", name="Mandant anlegen").click()
    page.get_by_label("Name").fill("Espadrille Versand GmbH")
    page.get_by_label("Beraternummer").fill("29098")
    page.get_by_label("Mandantennummer").fill("55003")
    page.get_by_label("USt-IdNr.").fill("DE123456789")  # wrong check digit
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Diese USt-IdNr. ist ungültig")).to_be_visible()

    page.get_by_label("USt-IdNr.").fill("DE136695976")
    page.get_by_label("Kontenrahmen").select_option("SKR04")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Mandant „Espadrille Versand GmbH“ wurde angelegt.")).to_be_visible()
    expect(page.get_by_text("SKR04")).to_be_visible()

    page.get_by_role("link", name="Bearbeiten").click()
    page.get_by_label("Wirtschaftsjahr-Beginn").fill("01.07.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("01.07.")).to_be_visible()

    page.get_by_role("link", name="Shops / Accounts").click()
    expect(page.get_by_role("cell", name="29098")).to_be_visible()

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie haben sich abgemeldet.")).to_be_visible()
    page.goto(f"{live_server}/clients")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_wrong_password_keeps_the_user_out(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-Mail").fill(user.email)
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("E-Mail oder Passwort ist falsch.")).to_be_visible()
