"""The forms of the import pages: the report upload, "+" for a marketplace, the POST buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from models.booking_rules import Integration

# Amazon offers the settlement report as a tab-separated .txt ("Flat File V2"); the VAT
# Transactions Report comes as .csv from Seller Central and as .txt from the reports API.
ALLOWED_SUFFIXES = {Integration.PAYOUT: (".txt",), Integration.ORDER: (".csv", ".txt")}
FILE_HINTS = {
    Integration.PAYOUT: "Der Transaktionsbericht einer Auszahlung (TXT) aus Seller Central.",
    Integration.ORDER: "Der Umsatzsteuer-Transaktionsbericht eines Monats (CSV oder TXT).",
}


class ReportUploadForm(FlaskForm):
    file = FileField("Bericht", validators=[FileRequired("Bitte wählen Sie eine Datei.")])

    def __init__(self, integration: Integration, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = Integration(integration)
        self.file.description = FILE_HINTS[self.integration]

    def validate_file(self, field) -> None:
        name = (field.data.filename or "").lower() if field.data else ""
        suffixes = ALLOWED_SUFFIXES[self.integration]
        if not name.endswith(suffixes):
            wanted = " oder ".join(s.lstrip(".").upper() for s in suffixes)
            raise ValidationError(f"Bitte laden Sie eine {wanted}-Datei hoch.")


class AddMarketplaceForm(FlaskForm):
    marketplace = SelectField(
        "Marktplatz",
        validators=[DataRequired("Bitte wählen Sie einen Marktplatz.")],
        invalid_choice_message="Diesen Marktplatz kennt Kontor nicht.",
    )

    def __init__(self, available: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.marketplace.choices = [SelectChoice(name) for name in available]


class ConfirmForm(FlaskForm):
    """A form without fields: the CSRF token of a POST-only action button."""


class TransactionFilterForm(FlaskForm):
    """The GET filter of a report's transactions; it changes nothing, so it carries no CSRF."""

    class Meta:
        csrf = False

    type = SelectField("Typ", validators=[Optional()], validate_choice=False)
    order = StringField("Bestellnummer", validators=[Optional()])

    def __init__(self, types: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice("", "alle Typen")] + [SelectChoice(t) for t in types]
