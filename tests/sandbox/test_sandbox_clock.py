"""The sandbox clock: frozen for tests, running (optionally from a chosen start) for demos."""

from datetime import UTC, datetime

import pytest

from sandbox import create_sandbox_app
from sandbox.clock import SandboxClock, parse_clock_config

START = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_a_datetime_freezes_the_clock_and_a_string_starts_it_running():
    frozen = parse_clock_config(START)
    assert frozen.frozen and frozen.now() == START
    running = parse_clock_config("2026-03-04T05:06:07Z")
    assert not running.frozen and running.now() >= START
    assert parse_clock_config("2026-03-04T05:06:07Z", frozen=True).now() == START


def test_the_clock_can_be_set_and_advanced_and_refuses_naive_times():
    clock = SandboxClock(START, frozen=True)
    assert clock.advance(90).isoformat() == "2026-03-04T05:07:37+00:00"
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


def test_environment_configures_the_sandbox(monkeypatch):
    monkeypatch.setenv("SANDBOX_CLOCK", "2026-03-04T05:06:07Z")
    monkeypatch.setenv("SANDBOX_CLOCK_FROZEN", "1")
    monkeypatch.setenv("SANDBOX_TIME_SCALE", "5")
    monkeypatch.setenv("SANDBOX_RATE_LIMITS", "false")
    state = create_sandbox_app().extensions["sandbox"]
    assert state.clock.now() == START
    assert state.time_scale == 5
    assert not state.limiter.enabled


def test_explicit_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("SANDBOX_SEED", "from-env")
    app = create_sandbox_app({"SANDBOX_SEED": "explicit"})
    assert app.extensions["sandbox"].seed == "explicit"
