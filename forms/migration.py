"""The forms of the wizard "Wechsel zur Amazon API", step 3 (the marketplaces)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from forms.integration_settings import MultiCheckboxField


class OrderMarketplacesForm(FlaskForm):
    """Amazon Order imports every marketplace of the connection; unticking one excludes it."""

    imported = MultiCheckboxField(
        "Importierte Marktplätze",
        invalid_choice_message="Bitte wählen Sie Marktplätze aus der Liste.",
    )

    def __init__(self, names: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.imported.choices = [SelectChoice(name, name) for name in names]


class ConnectionMarketplaceForm(FlaskForm):
    """One marketplace of the connection: "+" for Amazon Payout, or its retroactive import."""

    marketplace_id = SelectField(
        "Marktplatz",
        validators=[DataRequired("Bitte wählen Sie einen Marktplatz.")],
        invalid_choice_message="Diesen Marktplatz bietet die Amazon-Verbindung nicht an.",
    )

    def __init__(self, choices: list[tuple[str, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.marketplace_id.choices = [SelectChoice(value, label) for value, label in choices]
