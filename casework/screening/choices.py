"""The codes the screening records store, and their translated labels.

Codes are stored plain (the checkpoint engine reads them without decrypting);
labels are what people see.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from casework.accounts.roles import Country


class SharingRecipient(StrEnum):
    LEGAL_SERVICE_PROVIDER = "legal_service_provider"
    CHILD_PROTECTION_AUTHORITY = "child_protection_authority"
    CONSULATE_OF_ORIGIN = "consulate_of_origin"
    FAMILY = "family"
    PARTNER_ORGANISATIONS = "partner_organisations"
    OTHER_COUNTRY_AUTHORITIES = "other_country_authorities"


SHARING_LABELS = {
    SharingRecipient.LEGAL_SERVICE_PROVIDER: _l("The legal service provider"),
    SharingRecipient.CHILD_PROTECTION_AUTHORITY: _l(
        "The child-protection authority (ORR in the US; DIF and the Procuraduría in Mexico)"),
    SharingRecipient.CONSULATE_OF_ORIGIN: _l("The consulate of the country of origin"),
    SharingRecipient.FAMILY: _l("Family members the child names"),
    SharingRecipient.PARTNER_ORGANISATIONS: _l("Partner organisations providing services"),
    SharingRecipient.OTHER_COUNTRY_AUTHORITIES: _l(
        "Authorities of the other country, for a Mexico–US transfer"),
}

# Recipients that are the country of origin: never together with the "never share" flag.
ORIGIN_RECIPIENTS = frozenset({SharingRecipient.CONSULATE_OF_ORIGIN})


class CustodyEventKind(StrEnum):
    # United States (TVPRA, 8 U.S.C. 1232)
    UAC_DETERMINATION = "uac_determination"
    HHS_NOTIFIED = "hhs_notified"
    ORR_TRANSFER = "orr_transfer"
    # Mexico (reform in force 11 January 2021)
    PROCURADURIA_NOTIFIED = "procuraduria_notified"
    DIF_HANDOVER = "dif_handover"
    NOT_IN_IMMIGRATION_STATION = "not_in_immigration_station"


CUSTODY_LABELS = {
    CustodyEventKind.UAC_DETERMINATION: _l("Determined to be an unaccompanied child (UAC)"),
    CustodyEventKind.HHS_NOTIFIED: _l("HHS notified"),
    CustodyEventKind.ORR_TRANSFER: _l("Custody transferred to ORR"),
    CustodyEventKind.PROCURADURIA_NOTIFIED: _l("Procuraduría de Protección notified"),
    CustodyEventKind.DIF_HANDOVER: _l("Handed to DIF with a written record (acta de canalización)"),
    CustodyEventKind.NOT_IN_IMMIGRATION_STATION: _l(
        "Confirmed that the child was not held in an immigration station"),
}

# The events the `custody.timeline` checkpoint needs, by the country of the case's office.
CUSTODY_VARIANTS: dict[str, tuple[CustodyEventKind, ...]] = {
    Country.US: (CustodyEventKind.UAC_DETERMINATION, CustodyEventKind.HHS_NOTIFIED,
                 CustodyEventKind.ORR_TRANSFER),
    Country.MX: (CustodyEventKind.PROCURADURIA_NOTIFIED, CustodyEventKind.DIF_HANDOVER,
                 CustodyEventKind.NOT_IN_IMMIGRATION_STATION),
}

# Events whose record reference is the evidence itself.
CUSTODY_NEEDS_REFERENCE = frozenset({CustodyEventKind.DIF_HANDOVER})


class ScreeningKind(StrEnum):
    SAFETY = "safety"
    TRAFFICKING = "trafficking"
    CONTIGUOUS = "contiguous"
    PROTECTION = "protection"


SCREENING_LABELS = {
    ScreeningKind.SAFETY: _l("Urgent safety, medical and protection needs"),
    ScreeningKind.TRAFFICKING: _l("Trafficking and exploitation screening"),
    ScreeningKind.CONTIGUOUS: _l("Screening of a Mexican or Canadian child in the US"),
    ScreeningKind.PROTECTION: _l("Fear of return and protection needs"),
}

# The catalogue's checkpoint for each kind (workflow/policy.py).
SCREENING_CHECKPOINTS = {
    ScreeningKind.SAFETY: "screen.safety",
    ScreeningKind.TRAFFICKING: "screen.trafficking",
    ScreeningKind.CONTIGUOUS: "screen.contiguous",
    ScreeningKind.PROTECTION: "screen.protection",
}

# Protection outcome that bars contact with the country of origin without consent.
FEAR_OR_NEED = "fear_or_need_identified"

OUTCOMES: dict[ScreeningKind, list[tuple[str, object]]] = {
    ScreeningKind.SAFETY: [
        ("no_urgent_needs", _l("No urgent needs found")),
        ("needs_addressed", _l("Urgent needs found and addressed")),
        ("referred", _l("Referred for urgent care or protection")),
    ],
    ScreeningKind.TRAFFICKING: [
        ("no_indicators", _l("No indicators of trafficking or exploitation")),
        ("indicators_referred", _l("Indicators found; referred to anti-trafficking services")),
        ("indicators_no_referral", _l("Indicators found; no referral made")),
    ],
    ScreeningKind.PROTECTION: [
        ("no_fear", _l("No fear of return or protection need stated")),
        (FEAR_OR_NEED, _l("Fear of return or a protection need identified")),
    ],
    # The contiguous screening's outcome follows from its three findings (see below).
    ScreeningKind.CONTIGUOUS: [
        ("may_withdraw", _l("All three findings clear: the child may decide to withdraw")),
        ("transfer_to_hhs", _l("At least one finding: the child is transferred to HHS (ORR)")),
    ],
}
OUTCOME_LABELS = {code: label for choices in OUTCOMES.values() for code, label in choices}

# What an outcome needs besides itself: a referral (made, and to whom) or written findings.
REFERRAL, FINDINGS = "referral", "findings"
OUTCOME_REQUIRES: dict[str, frozenset[str]] = {
    "needs_addressed": frozenset({FINDINGS}),
    "referred": frozenset({REFERRAL}),
    "indicators_referred": frozenset({REFERRAL}),
    "indicators_no_referral": frozenset({FINDINGS}),
    FEAR_OR_NEED: frozenset({FINDINGS}),
}

CONTIGUOUS_FINDINGS = {
    "trafficking_risk": _l("The child is a victim of trafficking, or there is credible "
                           "evidence of a risk of being trafficked on return"),
    "credible_fear": _l("The child has a credible fear of persecution on return"),
    "can_decide": _l("The child is able to make an independent decision to withdraw the "
                     "application for admission"),
}


def contiguous_outcome(trafficking_risk: bool, credible_fear: bool, can_decide: bool) -> str:
    """8 U.S.C. 1232(a)(2): only a child with all three findings clear may withdraw."""
    if not trafficking_risk and not credible_fear and can_decide:
        return "may_withdraw"
    return "transfer_to_hhs"


def custody_variant(country) -> tuple[CustodyEventKind, ...]:
    return CUSTODY_VARIANTS.get(str(getattr(country, "value", country)), ())
