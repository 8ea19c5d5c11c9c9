"""Forms of the booking rules page: the fixed accounts of a rule set and one rule.

Accounts are checked against the client's Sachkontenlänge (datev.limits): a Sachkonto has at
most that many digits, a Personenkonto (the Sammeldebitor) exactly one more. The forms take the
length as `account_length=`; `fill_*` write the validated values into the model rows.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from datev.rules import WILDCARD, RuleKind
from datev.tax_treatment import TaxTreatment, vat_rule_name
from models.booking_rules import FIXED_ACCOUNTS, BookingRule, BookingRuleSet

TAX_KEY = re.compile(r"^\d{1,4}$")
SACHVERHALT = re.compile(r"^\d{1,3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")

ACCOUNT_LABELS = {
    "clearing_account": "Verrechnungskonto Amazon",
    "debtor_account": "Sammeldebitor",
    "transit_account": "Geldtransit",
    "suspense_account": "Klärungskonto",
    "fx_gain_account": "Erträge aus Kursdifferenzen",
    "fx_loss_account": "Aufwendungen aus Kursdifferenzen",
}
# The kinds a user's payout rule may have; payout, unmatched and fx_difference are the
# engine's own bookings, never the result of a rule.
KIND_LABELS = {
    RuleKind.DEBTOR: "Sammeldebitor (gleicht die Bestellung aus)",
    RuleKind.REVENUE: "Erlös",
    RuleKind.FEE: "Gebühr",
    RuleKind.RESERVE: "Einbehalt",
    RuleKind.OTHER: "Sonstiges",
}
FULFILLMENT_LABELS = {
    WILDCARD: "alle",
    "AFN": "Versand durch Amazon (AFN)",
    "MFN": "Versand durch den Verkäufer (MFN)",
}
# Every treatment, and the rule that names the account of the VAT of one booked net.
TREATMENTS = tuple(t.value for t in TaxTreatment if t != TaxTreatment.UNKNOWN) + tuple(
    vat_rule_name(t) for t in TaxTreatment if t != TaxTreatment.UNKNOWN
)


SACHKONTO, PERSONENKONTO, ANY_ACCOUNT = "sachkonto", "personenkonto", "any"


def check_account(raw: str | None, account_length: int, kind: str = ANY_ACCOUNT) -> str:
    """The account without spaces; raises ValidationError with a German message. A Sachkonto
    has at most `account_length` digits, a Personenkonto exactly one more; a rule's
    Gegenkonto may be either (the Sammeldebitor is one)."""
    account = (raw or "").strip()
    if not account.isdigit() or not account.isascii():
        raise ValidationError("Das Konto darf nur aus Ziffern bestehen.")
    if int(account) == 0:
        raise ValidationError("Das Konto 0 gibt es nicht.")
    if kind == PERSONENKONTO and len(account) != account_length + 1:
        raise ValidationError(
            f"Ein Personenkonto hat bei Sachkontenlänge {account_length} genau "
            f"{account_length + 1} Stellen."
        )
    if kind == SACHKONTO and len(account) > account_length:
        raise ValidationError(
            f"Ein Sachkonto hat bei Sachkontenlänge {account_length} höchstens "
            f"{account_length} Stellen."
        )
    if len(account) > account_length + 1:
        raise ValidationError(
            f"Das Konto hat höchstens {account_length + 1} Stellen (Sachkontenlänge "
            f"{account_length}, Personenkonten eine Stelle mehr)."
        )
    return account


def check_tax_key(raw: str | None) -> str:
    key = (raw or "").strip()
    if key and not TAX_KEY.match(key):
        raise ValidationError("Der BU-Schlüssel hat 1 bis 4 Ziffern (oder bleibt leer).")
    return key


class _LedgerForm(FlaskForm):
    """A form whose accounts are checked against the client's Sachkontenlänge."""

    def __init__(self, *args, account_length: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_length = account_length


def _account_field(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        validators=[DataRequired("Bitte geben Sie ein Konto an.")],
        description=description,
    )


class RuleSetAccountsForm(_LedgerForm):
    clearing_account = _account_field(ACCOUNT_LABELS["clearing_account"])
    debtor_account = _account_field(ACCOUNT_LABELS["debtor_account"], "Personenkonto")
    transit_account = _account_field(ACCOUNT_LABELS["transit_account"])
    suspense_account = _account_field(
        ACCOUNT_LABELS["suspense_account"], "für Beträge, zu denen keine Regel passt"
    )
    fx_gain_account = _account_field(ACCOUNT_LABELS["fx_gain_account"])
    fx_loss_account = _account_field(ACCOUNT_LABELS["fx_loss_account"])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in FIXED_ACCOUNTS:
            field = self[name]
            if field.errors:
                continue
            try:
                kind = PERSONENKONTO if name == "debtor_account" else SACHKONTO
                field.data = check_account(field.data, self.account_length, kind)
            except ValidationError as error:
                field.errors = [*field.errors, str(error)]
                valid = False
        return valid

    def fill_from(self, row: BookingRuleSet) -> None:
        for name in FIXED_ACCOUNTS:
            self[name].data = getattr(row, name)

    def fill(self, row: BookingRuleSet) -> None:
        for name in FIXED_ACCOUNTS:
            setattr(row, name, self[name].data)


class GermanDateField(DateField):
    """A date from the browser's date input (YYYY-MM-DD) or typed as TT.MM.JJJJ."""

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%d.%m.%Y"], validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Bitte ein gültiges Datum angeben, z. B. 01.08.2024.") from None


class _RuleForm(_LedgerForm):
    """What every rule has: account, tax key, validity period and label."""

    account = StringField("Gegenkonto", validators=[DataRequired("Bitte geben Sie ein Konto an.")])
    tax_key = StringField("BU-Schlüssel", description="1 bis 4 Ziffern, leer ohne Steuer")
    valid_from = GermanDateField("Gültig ab", description="leer: unbegrenzt")
    valid_to = GermanDateField("Gültig bis", description="leer: unbegrenzt")
    label = StringField(
        "Bezeichnung", validators=[Length(max=100, message="Höchstens 100 Zeichen.")]
    )

    def validate_account(self, field) -> None:
        field.data = check_account(field.data, self.account_length)

    def validate_tax_key(self, field) -> None:
        field.data = check_tax_key(field.data)

    def validate_valid_to(self, field) -> None:
        if self.valid_from.data and field.data and self.valid_from.data > field.data:
            raise ValidationError("„Gültig bis“ darf nicht vor „Gültig ab“ liegen.")

    def fill_from(self, rule: BookingRule) -> None:
        for name in ("account", "tax_key", "valid_from", "valid_to", "label"):
            self[name].data = getattr(rule, name)

    def fill(self, rule: BookingRule) -> None:
        rule.account = self.account.data
        rule.tax_key = self.tax_key.data
        rule.valid_from = self.valid_from.data
        rule.valid_to = self.valid_to.data
        rule.label = (self.label.data or "").strip()


def _pattern_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired("Bitte geben Sie ein Muster an (* für alle)."),
            Length(max=100, message="Höchstens 100 Zeichen."),
        ],
        default=WILDCARD,
        description="* steht für beliebig viele Zeichen, ? für eines",
    )


class PayoutRuleForm(_RuleForm):
    """A settlement rule: the (transaction-type, amount-type, amount-description) patterns."""

    transaction_type = _pattern_field("transaction-type")
    amount_type = _pattern_field("amount-type")
    amount_description = _pattern_field("amount-description")
    fulfillment = SelectField(
        "Versand",
        choices=[SelectChoice(value, label) for value, label in FULFILLMENT_LABELS.items()],
        default=WILDCARD,
        invalid_choice_message="Bitte wählen Sie alle, AFN oder MFN.",
    )
    kind = SelectField(
        "Art",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=RuleKind.OTHER.value,
        invalid_choice_message="Bitte wählen Sie eine Art aus der Liste.",
    )
    sachverhalt = StringField(
        "Sachverhalt L+L", description="nur zu einem § 13b-Schlüssel, z. B. 7 bei BU 94"
    )

    PATTERNS = ("transaction_type", "amount_type", "amount_description")

    def validate_sachverhalt(self, field) -> None:
        value = (field.data or "").strip()
        if value and (not SACHVERHALT.match(value) or int(value) == 0):
            raise ValidationError("Der Sachverhalt L+L hat 1 bis 3 Ziffern und ist nicht 0.")
        if value and not (self.tax_key.data or "").strip():
            raise ValidationError("Ein Sachverhalt L+L braucht einen BU-Schlüssel.")
        field.data = value

    def fill_from(self, rule: BookingRule) -> None:
        super().fill_from(rule)
        for name in (*self.PATTERNS, "fulfillment", "kind", "sachverhalt"):
            self[name].data = getattr(rule, name)

    def fill(self, rule: BookingRule) -> None:
        super().fill(rule)
        for name in self.PATTERNS:
            setattr(rule, name, self[name].data.strip())
        rule.fulfillment = self.fulfillment.data
        rule.kind = self.kind.data
        rule.sachverhalt = self.sachverhalt.data


class OrderRuleForm(_RuleForm):
    """A VAT report rule: the tax treatment and, optionally, the country."""

    treatment = SelectField(
        "Steuerlicher Fall",
        choices=[SelectChoice(name) for name in TREATMENTS],
        invalid_choice_message="Bitte wählen Sie einen Fall aus der Liste.",
    )
    country = StringField(
        "Land",
        default=WILDCARD,
        description="ISO-Code des Bestimmungslands, * für alle",
    )
    net = BooleanField("Netto buchen", description="die Steuer auf das Konto der _VAT-Regel")

    def validate_country(self, field) -> None:
        value = (field.data or "").strip().upper() or WILDCARD
        if value != WILDCARD and not COUNTRY.match(value):
            raise ValidationError("Bitte einen Ländercode aus zwei Buchstaben angeben oder *.")
        field.data = value

    def fill_from(self, rule: BookingRule) -> None:
        super().fill_from(rule)
        for name in ("treatment", "country", "net"):
            self[name].data = getattr(rule, name)

    def fill(self, rule: BookingRule) -> None:
        super().fill(rule)
        rule.treatment = self.treatment.data
        rule.country = self.country.data
        rule.net = self.net.data
        rule.kind = RuleKind.REVENUE.value


def _rule_set_field() -> SelectField:
    return SelectField(
        "Regelsatz", coerce=int, invalid_choice_message="Bitte wählen Sie einen Regelsatz."
    )


class PayoutRuleForKeyForm(PayoutRuleForm):
    """A new payout rule for a Klärungskonto key, in the rule set the user picks."""

    rule_set = _rule_set_field()


class OrderRuleForKeyForm(OrderRuleForm):
    """A new order rule for a Klärungskonto key (treatment and country)."""

    rule_set = _rule_set_field()


class ConfirmForm(FlaskForm):
    """A form without fields: the CSRF token of a delete or reset button."""
