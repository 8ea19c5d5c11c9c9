"""Sellers API v1."""

from flask import Blueprint, g

from sandbox.api import operation

bp = Blueprint("sellers", __name__, url_prefix="/sellers/v1")


def participations(seller) -> list[dict]:
    return [
        {
            "marketplace": {
                "id": mp.id,
                "name": mp.name,
                "countryCode": mp.country,
                "defaultCurrencyCode": mp.currency,
                "defaultLanguageCode": mp.language,
                "domainName": mp.domain,
            },
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": seller.profile.store_name,
        }
        for mp in seller.marketplaces
    ]


@bp.get("/marketplaceParticipations")
@operation("getMarketplaceParticipations")
def get_marketplace_participations():
    return {"payload": participations(g.seller)}


@bp.get("/account")
@operation("getAccount")
def get_account():
    return {
        "payload": {
            "marketplaceParticipationList": participations(g.seller),
            "businessType": "PRIVATE_LIMITED",
            "sellingPlan": "PROFESSIONAL",
            "business": {
                "name": g.seller.profile.legal_name,
                "registeredBusinessAddress": {
                    "addressLine1": "Marktstraße 1",
                    "city": "Leipzig",
                    "postalCode": "04109",
                    "countryCode": "DE",
                },
                "companyTaxIdentificationNumber": g.seller.vat_number,
            },
        }
    }
