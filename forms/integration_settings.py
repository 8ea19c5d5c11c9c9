"""The "Erweiterte Einstellungen" form of an integration (Amazon Payout / Amazon Order)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from datev.granularity import Granularity
from datev.rules import EUROPEAN_MARKETPLACES, NON_EUROPEAN_MARKETPLACES
from models.booking_rules import Integration
from models.integration import ClientIntegration

GRANULARITY_LABELS = {
    Granularity.PER_ORDER: "Je Bestellung (Standard): die Beträge einer Bestellung an einem Tag "
    "werden eine Buchung",
    Granularity.FEES_PER_DAY: "Gebührenbuchungen zusammenfassen: Gebühren als Tagessumme je "
    "Konto und BU-Schlüssel",
    Granularity.DAILY_SUMMARY: "Tageszusammenfassung für sehr große Berichte: eine Buchung je "
    "Tag und Regel, ohne Bestellnummern",
}
KNOWN_MARKETPLACES = (*EUROPEAN_MARKETPLACES, *NON_EUROPEAN_MARKETPLACES)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_recipients(raw: str | None) -> list[str]:
    """Comma-separated addresses, each checked (syntax only: no DNS look-up in a request);
    raises ValidationError naming the first bad one."""
    recipients = []
    for part in (raw or "").split(","):
        address = part.strip()
        if not address:
            continue
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(f"„{address}“ ist keine gültige E-Mail-Adresse.") from None
        if checked.normalized.casefold() not in {r.casefold() for r in recipients}:
            recipients.append(checked.normalized)
    return recipients


class IntegrationSettingsForm(FlaskForm):
    auto_import = BooleanField(
        "Automatischer Import", description="neue Berichte über die Amazon-Verbindung abrufen"
    )
    notify = BooleanField(
        "E-Mail-Benachrichtigung", description="nach jedem Import eine E-Mail senden"
    )
    notify_recipients = StringField(
        "Empfänger",
        validators=[Length(max=1000, message="Höchstens 1000 Zeichen.")],
        description="E-Mail-Adressen, durch Kommas getrennt",
    )
    granularity = RadioField(
        "Buchungsgranularität",
        choices=[SelectChoice(mode.value, label) for mode, label in GRANULARITY_LABELS.items()],
        default=Granularity.PER_ORDER.value,
        invalid_choice_message="Bitte wählen Sie eine der Granularitäten.",
    )
    marketplaces = MultiCheckboxField(
        "Marktplätze",
        choices=[SelectChoice(m, m) for m in KNOWN_MARKETPLACES],
        invalid_choice_message="Bitte wählen Sie Marktplätze aus der Liste.",
    )

    def __init__(
        self, *args, integration: Integration, stored: tuple[str, ...] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.integration = integration
        # A marketplace stored earlier but missing from the known list stays choosable, so
        # saving the page does not drop it.
        known = {m.casefold() for m in KNOWN_MARKETPLACES}
        self.marketplaces.choices = [
            *self.marketplaces.choices,
            *(SelectChoice(m, m) for m in stored if m.casefold() not in known),
        ]
        if integration == Integration.ORDER:
            self.marketplaces.label.text = "Ausgeschlossene Marktplätze"
            self.marketplaces.description = (
                "Amazon Order importiert alle Marktplätze außer den hier angekreuzten."
            )
        else:
            self.marketplaces.description = (
                "Amazon Payout importiert die angekreuzten Marktplätze (keiner: alle). Ein neuer "
                "Marktplatz bekommt einen Regelsatz mit den Standardkonten; bitte vom "
                "Steuerberater prüfen lassen."
            )

    def validate_notify_recipients(self, field) -> None:
        recipients = parse_recipients(field.data)
        if self.notify.data and not recipients:
            raise ValidationError("Bitte geben Sie mindestens eine E-Mail-Adresse an.")
        field.data = ", ".join(recipients)

    def fill_from(self, row: ClientIntegration) -> None:
        self.auto_import.data = row.auto_import
        self.notify.data = row.notify
        self.notify_recipients.data = row.notify_recipients
        self.granularity.data = row.granularity
        if self.integration == Integration.ORDER:
            chosen = [m.marketplace for m in row.marketplaces if m.excluded]
        else:
            chosen = [m.marketplace for m in row.marketplaces if not m.excluded]
        self.marketplaces.data = [known_spelling(m) for m in chosen]


def known_spelling(marketplace: str) -> str:
    """The spelling of the known list ("Amazon.de"), whatever case it was stored in."""
    wanted = marketplace.strip().casefold()
    return next((m for m in KNOWN_MARKETPLACES if m.casefold() == wanted), marketplace)
