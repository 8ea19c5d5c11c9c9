"""`flask sandbox run` and `flask sandbox credentials` (the click group commands/sandbox.py)."""

import json

from click.testing import CliRunner

import commands.sandbox as sandbox_commands
from commands.sandbox import sandbox_cli
from sandbox import create_sandbox_app


def test_credentials_print_a_seeded_seller_as_json(monkeypatch):
    monkeypatch.setenv("SANDBOX_SEED", "kontor")
    result = CliRunner().invoke(sandbox_cli, ["credentials", "--seller", "3"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {
        "client_id",
        "client_secret",
        "refresh_token",
        "selling_partner_id",
        "marketplace_ids",
    }
    assert printed["marketplace_ids"] == [
        "A1PA6795UKMFR9",
        "A1F83G8C2ARO7P",
        "A1C3SOZRARQ6R3",
        "A2NODRKZP88ZB9",
    ]
    assert printed["refresh_token"].startswith("Atzr|")


def test_credentials_work_against_a_sandbox_with_the_same_seed(monkeypatch):
    monkeypatch.setenv("SANDBOX_SEED", "demo-seed")
    printed = json.loads(CliRunner().invoke(sandbox_cli, ["credentials"]).output)
    client = create_sandbox_app().test_client()
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            **{k: printed[k] for k in ("refresh_token", "client_id", "client_secret")},
        },
    )
    assert response.status_code == 200


def test_credentials_refuse_an_unknown_seller():
    result = CliRunner().invoke(sandbox_cli, ["credentials", "--seller", "9"])
    assert result.exit_code != 0
    assert "--seller" in result.output


def test_run_serves_the_sandbox_threaded_on_loopback_port_5001(monkeypatch):
    calls = []
    monkeypatch.setattr(
        sandbox_commands, "run_simple", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    result = CliRunner().invoke(sandbox_cli, ["run"])
    assert result.exit_code == 0, result.output
    [(args, kwargs)] = calls
    assert args[:2] == ("127.0.0.1", 5001)
    assert kwargs["threaded"] is True
    assert "/auth/o2/token" in result.output
    app = args[2]
    assert app.extensions["sandbox"].sellers
