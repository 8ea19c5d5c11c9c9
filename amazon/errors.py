"""What can go wrong talking to Amazon, each with a German message for the user.

The kinds differ in what the caller does next: TokenRevoked stops the connection until the
user renews it, Throttled and AmazonUnavailable try again later, DocumentExpired asks for a
fresh document URL, CorruptDocument downloads again.
"""

from __future__ import annotations


class AmazonError(Exception):
    """Base of every Amazon failure; `message` is German and may be shown to the user."""

    default_message = "Amazon hat die Anfrage nicht beantwortet."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        # What Amazon answered, for the log; never shown as the user's message.
        self.detail = detail
        super().__init__(f"{self.message} ({detail})" if detail else self.message)


class TokenRevoked(AmazonError):
    """LWA refused the refresh token (invalid_grant): the seller removed the app or the
    authorization expired. The connection needs to be renewed through the consent flow."""

    default_message = (
        "Amazon hat die Verbindung nicht mehr akzeptiert. Bitte erneuere die Verbindung "
        "zu Amazon (Erneuerung nötig)."
    )


class Throttled(AmazonError):
    """429 QuotaExceeded. `retry_after` is how long to wait, in seconds: one token of the
    operation's bucket at the rate Amazon last announced (x-amzn-RateLimit-Limit), else at the
    documented rate."""

    default_message = (
        "Amazon bremst gerade die Anfragen (Ratenlimit). Wir versuchen es gleich erneut."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float,
        operation: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(message, detail=detail)
        self.retry_after = retry_after
        self.operation = operation


class AmazonUnavailable(AmazonError):
    """5xx, timeouts and connection errors: nothing is wrong with the request, try again later."""

    default_message = "Amazon ist gerade nicht erreichbar. Wir versuchen es später erneut."


class DocumentExpired(AmazonError):
    """The pre-signed document URL is no longer valid (it lives 5 minutes): ask
    getReportDocument for a new one."""

    default_message = "Der Download-Link von Amazon ist abgelaufen; wir fordern einen neuen an."


class CorruptDocument(AmazonError):
    """The downloaded bytes are not a complete document (truncated gzip, CRC or size mismatch,
    too large): download it again."""

    default_message = (
        "Die Datei von Amazon kam unvollständig oder beschädigt an; wir laden sie erneut."
    )


class SellerTaken(AmazonError):
    """The seller account is already connected to another client (a seller belongs to one)."""

    default_message = (
        "Dieses Amazon-Verkäuferkonto ist bereits mit einem anderen Shop verbunden. "
        "Trennen Sie es dort, bevor Sie es hier verbinden."
    )


class OtherSeller(AmazonError):
    """Renewing a connection with the consent of a different seller account than connected."""

    default_message = (
        "Sie haben ein anderes Amazon-Verkäuferkonto bestätigt als das verbundene. Trennen Sie "
        "die bestehende Verbindung, wenn Sie das Konto wechseln wollen."
    )


class AmazonRequestRefused(AmazonError):
    """Amazon refused the request itself (4xx other than 429): a bug or a missing permission,
    not something that goes away by waiting."""

    default_message = "Amazon hat die Anfrage abgelehnt."
