"""The JSON shapes of the API (issue 10): what outside scripts read and send.

The field names are a contract; the validation of a new client is the HTML form's
(forms/clients.py), so the API and the page refuse the same values with the same German
messages. Dates are ISO, amounts strings with two decimals ("1016.08").
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validates
from werkzeug.datastructures import MultiDict

from forms.clients import ClientForm
from models.booking_rules import Integration

FY_START = re.compile(r"^(\d{2})-(\d{2})$")
FY_START_MESSAGE = "Bitte im Format MM-TT angeben, z. B. 01-01."
NOT_A_TEXT = "Bitte als Text angeben."
UNKNOWN_FIELD = "Dieses Feld gibt es nicht."
INTEGRATION_MESSAGE = "integration muss payout oder order sein."

# The API's names for the fields of ClientForm.
FORM_FIELDS = {
    "name": "name",
    "berater": "berater_nr",
    "mandant": "mandant_nr",
    "fy_start": "fiscal_year_start",
    "chart": "chart",
    "account_length": "account_length",
    "seller_id": "amazon_seller_id",
}


def fy_start_of(client) -> str:
    return f"{client.fiscal_year_start_month:02d}-{client.fiscal_year_start_day:02d}"


class ClientSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    berater = fields.Integer(attribute="berater_nr")
    mandant = fields.Integer(attribute="mandant_nr")
    fy_start = fields.Function(fy_start_of)
    chart = fields.Function(lambda client: client.chart.lower())
    account_length = fields.Integer()
    seller_id = fields.String(attribute="amazon_seller_id", allow_none=True)


class ConnectionMarketplaceSchema(Schema):
    id = fields.String(attribute="marketplace_id")
    country = fields.String(attribute="country_code")
    name = fields.String()
    currency = fields.String()
    participating = fields.Boolean()


class AmazonConnectionSchema(Schema):
    """The client's connection: issue 10's three fields, then the connection day and the
    marketplaces (added keys; a reader of the three sees no change)."""

    state = fields.String()  # "active" or "renewal_needed"
    selling_partner_id = fields.String()
    connected_at = fields.DateTime()
    connected_on = fields.Date()
    marketplaces = fields.List(fields.Nested(ConnectionMarketplaceSchema))


class ClientDetailSchema(ClientSchema):
    amazon = fields.Method("amazon_connection")  # null while the client uses uploads only

    def amazon_connection(self, client):
        from amazon.connections import connection_of

        connection = connection_of(client)
        return AmazonConnectionSchema().dump(connection) if connection else None


class _Text(fields.String):
    default_error_messages = {"invalid": NOT_A_TEXT, "null": NOT_A_TEXT}


class _Number(fields.Raw):
    """A number as JSON number or digits: the form's check says what is wrong with it."""

    default_error_messages = {"null": "Bitte eine Zahl angeben."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            return repr(value)  # "1.5", "True": the form refuses them as no whole number
        return str(value)


class NewClientSchema(Schema):
    """`POST /api/v1/clients`: the JSON of a client, checked by the HTML form's rules."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN_FIELD}

    name = _Text()
    berater = _Number()
    mandant = _Number()
    fy_start = _Text(load_default="01-01")
    chart = _Text(load_default="skr03")
    account_length = _Number(load_default="4")
    seller_id = _Text(allow_none=True, load_default=None)

    @validates("fy_start")
    def _fy_start_format(self, value: str, **kwargs) -> None:
        if not FY_START.match(value.strip()):
            raise ValidationError(FY_START_MESSAGE)

    def load_form(self, data) -> ClientForm:
        """The validated ClientForm for the JSON `data`; ValidationError with German messages
        per API field otherwise."""
        if not isinstance(data, dict):
            raise ValidationError({"_schema": ["Bitte ein JSON-Objekt senden."]})
        values = self.load(data)
        month, day = FY_START.match(values["fy_start"].strip()).groups()
        formdata = MultiDict(
            {
                "name": values.get("name") or "",
                "berater_nr": values.get("berater") or "",
                "mandant_nr": values.get("mandant") or "",
                "fiscal_year_start": f"{day}.{month}.",
                "chart": values["chart"].strip().upper(),
                "account_length": values["account_length"],
                "amazon_seller_id": values["seller_id"] or "",
            }
        )
        form = ClientForm(formdata=formdata, meta={"csrf": False})
        if not form.validate():
            api_names = {form_name: name for name, form_name in FORM_FIELDS.items()}
            raise ValidationError(
                {api_names.get(name, name): list(errors) for name, errors in form.errors.items()}
            )
        return form


class JobSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    progress = fields.Integer()
    error = fields.Function(lambda job: job.error or None)  # the German message once failed
    report_id = fields.Integer(allow_none=True)


class BatchFileSchema(Schema):
    name = fields.String()
    period = fields.Function(lambda f: [f.period_start.isoformat(), f.period_end.isoformat()])
    bookings = fields.Integer()


class BatchSchema(Schema):
    version = fields.Integer()
    state = fields.Function(lambda batch: batch.state.value)
    bookings = fields.Integer()
    unmatched = fields.Integer()
    files = fields.List(fields.Nested(BatchFileSchema))


class ReportSchema(Schema):
    id = fields.Integer()
    integration = fields.String()
    source = fields.String()
    settlement_id = fields.String(allow_none=True)
    period = fields.Function(lambda r: [r.period_start.isoformat(), r.period_end.isoformat()])
    marketplaces = fields.List(fields.String(), attribute="marketplace_list")
    currency = fields.String()
    total = fields.Decimal(as_string=True, places=2, allow_none=True)
    transactions = fields.Integer(attribute="transaction_count")
    reconciled = fields.Boolean()
    batch = fields.Nested(BatchSchema, attribute="current_batch", allow_none=True)


class ReportFilterSchema(Schema):
    """The query of `GET /api/v1/clients/<id>/reports`."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN_FIELD}

    integration = fields.Enum(
        Integration,
        by_value=True,
        load_default=None,
        error_messages={"unknown": INTEGRATION_MESSAGE},
    )
