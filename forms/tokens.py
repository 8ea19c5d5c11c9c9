"""The form that creates a personal access token for the JSON API."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Bitte geben Sie dem Token einen Namen."),
            Length(max=100, message="Der Name darf höchstens 100 Zeichen lang sein."),
        ],
        description="wofür Sie den Token nutzen, z. B. „Kanzlei-Skript“",
    )
