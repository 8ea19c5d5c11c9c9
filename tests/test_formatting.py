"""German number formats have one source, formatting.py, free of Flask."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from flask import render_template_string

from formatting import number

ROOT = Path(__file__).resolve().parent.parent


def test_formatting_and_the_parsers_load_without_flask():
    # parsers/ (and datev/) use formatting's functions; neither may pull in Flask.
    probe = (
        "import sys, formatting, parsers; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_amounts_and_counts_are_grouped_as_a_german_reader_expects():
    assert number(Decimal("1016.08")) == "1.016,08"
    assert number(Decimal("-1234567.5")) == "-1.234.567,50"
    assert number(Decimal("0.005")) == "0,00"  # half to even, as Decimal rounds
    assert number(1_000_001, 0) == "1.000.001"


def test_templates_format_with_the_same_functions(app):
    with app.app_context():
        rendered = render_template_string(
            "{{ amount|number }} / {{ amount|money('EUR') }}", amount=Decimal("1016.08")
        )
    assert rendered == "1.016,08 / 1.016,08\xa0€"
