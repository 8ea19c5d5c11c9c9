"""Forms of the client master data for stock transfers: own foreign VAT ids and SKU costs."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from datev.own_vat_ids import OwnVatIdError, validate_own_vat_id
from datev.sku_costs import MAX_DECIMALS, MAX_SKU_LENGTH, parse_cost
from formatting import number

# German names of the EU member states (ISO codes; Greece is GR, its VAT ids start with EL).
EU_COUNTRY_NAMES = {
    "AT": "Österreich", "BE": "Belgien", "BG": "Bulgarien", "CY": "Zypern",
    "CZ": "Tschechien", "DE": "Deutschland", "DK": "Dänemark", "EE": "Estland",
    "ES": "Spanien", "FI": "Finnland", "FR": "Frankreich", "GR": "Griechenland",
    "HR": "Kroatien", "HU": "Ungarn", "IE": "Irland", "IT": "Italien", "LT": "Litauen",
    "LU": "Luxemburg", "LV": "Lettland", "MT": "Malta", "NL": "Niederlande", "PL": "Polen",
    "PT": "Portugal", "RO": "Rumänien", "SE": "Schweden", "SI": "Slowenien", "SK": "Slowakei",
}  # fmt: skip
# Where Amazon sellers with German bookkeeping are established besides the EU.
OTHER_COUNTRY_NAMES = {
    "CH": "Schweiz", "GB": "Vereinigtes Königreich", "NO": "Norwegen", "TR": "Türkei",
    "US": "Vereinigte Staaten", "CN": "China", "HK": "Hongkong",
}  # fmt: skip
COUNTRY_NAMES = {**EU_COUNTRY_NAMES, **OTHER_COUNTRY_NAMES}


def format_cost(cost: Decimal) -> str:
    """A unit cost in German notation with two decimals, or up to four where it has them
    (0,0125 must not show as 0,01)."""
    decimals = max(2, min(MAX_DECIMALS, -cost.normalize().as_tuple().exponent))
    return number(cost, decimals)


def country_choices(codes) -> list[SelectChoice]:
    return [SelectChoice(code, f"{COUNTRY_NAMES[code]} ({code})") for code in codes]


def seat_choices() -> list[SelectChoice]:
    """Sitzland: Germany first, then the EU, then the rest."""
    eu = sorted((c for c in EU_COUNTRY_NAMES if c != "DE"), key=COUNTRY_NAMES.get)
    return country_choices(["DE", *eu, *sorted(OTHER_COUNTRY_NAMES, key=COUNTRY_NAMES.get)])


class OwnVatIdForm(FlaskForm):
    country = SelectField(
        "Land",
        choices=country_choices(
            sorted((c for c in EU_COUNTRY_NAMES if c != "DE"), key=COUNTRY_NAMES.get)
        ),
        invalid_choice_message="Bitte wählen Sie einen EU-Staat außer Deutschland.",
    )
    vat_id = StringField(
        "USt-IdNr.",
        validators=[DataRequired("Bitte geben Sie die USt-IdNr. an.")],
        description="z. B. PL5260250274",
    )

    def validate_vat_id(self, field):
        try:
            _, field.data = validate_own_vat_id(self.country.data or "", field.data)
        except OwnVatIdError as error:
            raise ValidationError(str(error)) from None


class ConfirmForm(FlaskForm):
    """A form without fields: the CSRF token of a delete button."""


class SkuCostUploadForm(FlaskForm):
    file = FileField(
        "CSV-Datei",
        validators=[FileRequired("Bitte wählen Sie eine CSV-Datei.")],
        description="Zwei Spalten sku;cost, Kosten je Stück in EUR, z. B. TASSE-01;3,50",
    )
    mode = RadioField(
        "Vorhandene Kosten",
        choices=[
            SelectChoice("merge", "ergänzen und überschreiben (andere SKUs bleiben)"),
            SelectChoice("replace", "ersetzen (die Tabelle enthält danach nur die Datei)"),
        ],
        default="merge",
        invalid_choice_message="Bitte wählen Sie ergänzen oder ersetzen.",
    )


class SkuCostForm(FlaskForm):
    cost = StringField(
        "Kosten je Stück (EUR)",
        validators=[DataRequired("Bitte geben Sie die Kosten an.")],
    )

    def validate_cost(self, field):
        try:
            cost = parse_cost(field.data)
        except (ValueError, ArithmeticError):
            raise ValidationError("Bitte einen Betrag angeben, z. B. 3,50.") from None
        if cost <= 0:
            raise ValidationError("Die Kosten müssen größer als 0 sein.")
        if -cost.as_tuple().exponent > MAX_DECIMALS:
            raise ValidationError(f"Höchstens {MAX_DECIMALS} Nachkommastellen.")
        self.parsed = cost


class NewSkuCostForm(SkuCostForm):
    sku = StringField(
        "SKU",
        validators=[
            DataRequired("Bitte geben Sie die SKU an."),
            Length(max=MAX_SKU_LENGTH, message=f"Höchstens {MAX_SKU_LENGTH} Zeichen."),
        ],
    )
