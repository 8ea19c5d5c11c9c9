"""Talking to the live sandbox from the amazon/ tests: credentials, faults, the clock."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from amazon.lwa import Application
from amazon.spapi import SellingPartner


@dataclass
class Sandbox:
    url: str
    app: object  # the sandbox's Flask app (its state: app.extensions["sandbox"])
    http: requests.Session

    @property
    def state(self):
        return self.app.extensions["sandbox"]

    def seller(self, number: int = 1) -> dict:
        """Credentials of a seeded seller (1: the Pan-EU seller DE FR IT ES NL)."""
        response = self.http.get(f"{self.url}/_sandbox/sellers", timeout=10)
        response.raise_for_status()
        return response.json()[number - 1]

    def fault(self, **fault) -> None:
        self.http.post(f"{self.url}/_sandbox/faults", json=fault, timeout=10).raise_for_status()

    def revoke(self, selling_partner_id: str) -> None:
        self.http.post(
            f"{self.url}/_sandbox/revoke",
            json={"selling_partner_id": selling_partner_id},
            timeout=10,
        ).raise_for_status()

    def application(self) -> Application:
        seller = self.seller()
        return Application(
            client_id=seller["client_id"],
            client_secret=seller["client_secret"],
            token_endpoint=f"{self.url}/auth/o2/token",
        )

    def selling_partner(self, number: int = 1) -> SellingPartner:
        return SellingPartner(
            application=self.application(),
            refresh_token=self.seller(number)["refresh_token"],
            endpoint=self.url,
        )
