"""The development mail sink's local page: every message it kept, newest first, readable as
plain text and as HTML, so a developer sees what Kontor sent without a mail client.

    flask mailsink run --port 8025 --web-port 8026    # http://127.0.0.1:8026
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from flask import Flask, Response, abort, render_template_string

MESSAGE_NAME = re.compile(r"[0-9a-f]{32}\.eml")

LIST = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Mail-Sink</title></head>
<body style="font-family: sans-serif; margin: 2rem;">
<h1>Mail-Sink: {{ messages|length }} Nachricht(en)</h1>
<p>Aus {{ folder }}, neueste zuerst.</p>
<table cellpadding="6">
<tr><th align="left">Datum</th><th align="left">An</th><th align="left">Betreff</th></tr>
{% for name, message in messages %}
<tr><td>{{ message["Date"] or "" }}</td><td>{{ message["To"] }}</td>
<td><a href="{{ url_for('show', name=name) }}">{{ message["Subject"] }}</a></td></tr>
{% else %}
<tr><td colspan="3">Noch keine Nachricht angekommen.</td></tr>
{% endfor %}
</table></body></html>"""

SHOW = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{{ message["Subject"] }}</title></head>
<body style="font-family: sans-serif; margin: 2rem;">
<p><a href="{{ url_for('index') }}">Alle Nachrichten</a></p>
<h1>{{ message["Subject"] }}</h1>
<dl>{% for name, value in message.items() %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
{% if html %}<p><a href="{{ url_for('show_html', name=name) }}">Als HTML ansehen</a></p>{% endif %}
<pre style="white-space: pre-wrap;">{{ text }}</pre>
</body></html>"""


def create_viewer(folder: Path) -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index():
        files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
        messages = [(path.name, _read(path)) for path in files]
        return render_template_string(LIST, messages=messages, folder=folder)

    @app.get("/<name>")
    def show(name: str):
        message = _read(_path(folder, name))
        html = message.get_body(("html",))
        text = message.get_body(("plain",))
        return render_template_string(
            SHOW,
            name=name,
            message=message,
            text=text.get_content() if text is not None else "",
            html=html is not None,
        )

    @app.get("/<name>/html")
    def show_html(name: str):
        html = _read(_path(folder, name)).get_body(("html",)) or abort(404)
        return Response(html.get_content(), content_type="text/html; charset=utf-8")

    return app


def _path(folder: Path, name: str) -> Path:
    path = folder / name
    if not MESSAGE_NAME.fullmatch(name) or not path.is_file():
        abort(404)
    return path


def _read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
