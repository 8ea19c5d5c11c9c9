"""The client (Mandant) form with its DATEV master data; every field has a German message."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as VatValidationError
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from datev.limits import ACCOUNT_LENGTH, BERATER, MANDANT, Chart, NumberRange
from forms.client_master_data import seat_choices

SELLER_ID = re.compile(r"^A[0-9A-Z]{7,19}$")
FISCAL_YEAR_START = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?$")
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_whole_number(raw: str | None, limits: NumberRange) -> int:
    text = (raw or "").strip()
    if not text.isdigit():
        raise ValidationError(f"{limits.label} muss eine ganze Zahl sein.")
    number = int(text)
    if number not in limits:
        raise ValidationError(limits.message)
    return number


def parse_fiscal_year_start(raw: str | None) -> tuple[int, int]:
    """Read "TT.MM." into (month, day); raises ValidationError with a German message."""
    match = FISCAL_YEAR_START.match((raw or "").strip())
    if not match:
        raise ValidationError("Bitte im Format TT.MM. angeben, z. B. 01.01.")
    day, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= DAYS_IN_MONTH[month - 1] or (month, day) == (2, 29):
        raise ValidationError("Dieses Datum gibt es nicht in jedem Jahr.")
    return month, day


class ClientForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Bitte geben Sie einen Namen an."), Length(max=200)],
    )
    berater_nr = StringField("Beraternummer", description=BERATER.hint)
    mandant_nr = StringField("Mandantennummer", description=MANDANT.hint)
    fiscal_year_start = StringField(
        "Wirtschaftsjahr-Beginn", default="01.01.", description="TT.MM., meist 01.01."
    )
    account_length = SelectField(
        "Sachkontenlänge",
        choices=[SelectChoice(str(n)) for n in range(ACCOUNT_LENGTH.low, ACCOUNT_LENGTH.high + 1)],
        default="4",
        invalid_choice_message=ACCOUNT_LENGTH.message,
    )
    chart = SelectField(
        "Kontenrahmen",
        choices=[SelectChoice(chart.value) for chart in Chart],
        default=Chart.SKR03.value,
        invalid_choice_message="Bitte wählen Sie SKR03 oder SKR04.",
    )
    vat_id = StringField(
        "USt-IdNr.", validators=[Optional()], description="optional, z. B. DE136695976"
    )
    amazon_seller_id = StringField(
        "Amazon Seller-ID", validators=[Optional()], description="optional, z. B. A2SC0NLSYTA68B"
    )
    country = SelectField(
        "Sitzland",
        choices=seat_choices(),
        default="DE",
        description="wo der Händler ansässig ist (Gebührenregeln ab 08/2024)",
        invalid_choice_message="Bitte wählen Sie ein Land aus der Liste.",
    )
    small_business = BooleanField(
        "Kleinunternehmer (§ 19 UStG)", description="keine Vorsteuer auf den Buchungen"
    )
    clearing_per_marketplace = BooleanField(
        "Verrechnungskonto je Marktplatz",
        description="z. B. 1211 Amazon.de, 1212 Amazon.fr statt 1210 für alle (SKR03)",
    )

    def validate_berater_nr(self, field):
        parse_whole_number(field.data, BERATER)

    def validate_mandant_nr(self, field):
        parse_whole_number(field.data, MANDANT)

    def validate_fiscal_year_start(self, field):
        parse_fiscal_year_start(field.data)

    def validate_vat_id(self, field):
        try:
            field.data = vat.validate(field.data)
        except VatValidationError as error:
            raise ValidationError(
                "Diese USt-IdNr. ist ungültig (Länderkennung und Prüfziffer prüfen)."
            ) from error

    def validate_amazon_seller_id(self, field):
        field.data = field.data.strip().upper()
        if not SELLER_ID.match(field.data):
            raise ValidationError(
                "Eine Amazon Seller-ID beginnt mit A und besteht aus 8 bis 20 "
                "Buchstaben und Ziffern."
            )

    def fill_client(self, client) -> None:
        """Copy the validated form data onto a Client."""
        client.name = self.name.data.strip()
        client.berater_nr = int(self.berater_nr.data)
        client.mandant_nr = int(self.mandant_nr.data)
        month, day = parse_fiscal_year_start(self.fiscal_year_start.data)
        client.fiscal_year_start_month, client.fiscal_year_start_day = month, day
        client.account_length = int(self.account_length.data)
        client.chart = self.chart.data
        client.vat_id = self.vat_id.data or None
        client.amazon_seller_id = self.amazon_seller_id.data or None
        client.country = self.country.data
        client.small_business = bool(self.small_business.data)
        client.clearing_per_marketplace = bool(self.clearing_per_marketplace.data)

    def fill_from_client(self, client) -> None:
        self.name.data = client.name
        self.berater_nr.data = str(client.berater_nr)
        self.mandant_nr.data = str(client.mandant_nr)
        self.fiscal_year_start.data = (
            f"{client.fiscal_year_start_day:02d}.{client.fiscal_year_start_month:02d}."
        )
        self.account_length.data = str(client.account_length)
        self.chart.data = client.chart
        self.vat_id.data = client.vat_id or ""
        self.amazon_seller_id.data = client.amazon_seller_id or ""
        self.country.data = client.country
        self.small_business.data = client.small_business
        self.clearing_per_marketplace.data = client.clearing_per_marketplace
