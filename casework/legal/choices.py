"""The codes the legal records store, and their translated labels.

Codes are stored plain, so the checkpoint engine and the calendar read them
without decrypting; what is said by or about the child is encrypted.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Relief(StrEnum):
    """Forms of relief or protection a legal screening considers."""

    ASYLUM = "asylum"
    SIJS = "sijs"
    T_VISA = "t_visa"
    U_VISA = "u_visa"
    COMAR = "comar"
    OTHER = "other"


RELIEF_LABELS = {
    Relief.ASYLUM: _l("Asylum"),
    Relief.SIJS: _l("Special Immigrant Juvenile Status (SIJS)"),
    Relief.T_VISA: _l("T visa (trafficking victims)"),
    Relief.U_VISA: _l("U visa (crime victims)"),
    Relief.COMAR: _l("Refugee recognition by COMAR (Mexico)"),
    Relief.OTHER: _l("Other relief or protection"),
}

# Relief that is sought in the US and in Mexico; "other" may be either.
US_RELIEF = frozenset({Relief.ASYLUM, Relief.SIJS, Relief.T_VISA, Relief.U_VISA, Relief.OTHER})
MX_RELIEF = frozenset({Relief.COMAR})


class ScreeningResult(StrEnum):
    RELIEF_IDENTIFIED = "relief_identified"
    NO_RELIEF = "no_relief_identified"


SCREENING_RESULT_LABELS = {
    ScreeningResult.RELIEF_IDENTIFIED: _l("Possible relief identified"),
    ScreeningResult.NO_RELIEF: _l("No relief identified"),
}


class RepresentationKind(StrEnum):
    ATTORNEY = "attorney_of_record"
    REFERRAL = "pro_bono_referral"


REPRESENTATION_LABELS = {
    RepresentationKind.ATTORNEY: _l("Attorney of record (our organisation)"),
    RepresentationKind.REFERRAL: _l("Referral to pro bono counsel"),
}


class ReferralStatus(StrEnum):
    REFERRED = "referred"
    ACCEPTED = "accepted"
    DECLINED = "declined"


REFERRAL_LABELS = {
    ReferralStatus.REFERRED: _l("Referred, waiting for an answer"),
    ReferralStatus.ACCEPTED: _l("Accepted: pro bono counsel represents the child"),
    ReferralStatus.DECLINED: _l("Declined"),
}


class HearingKind(StrEnum):
    MASTER = "master_calendar"
    INDIVIDUAL = "individual_merits"
    OTHER = "other"


HEARING_KIND_LABELS = {
    HearingKind.MASTER: _l("Master calendar hearing"),
    HearingKind.INDIVIDUAL: _l("Individual (merits) hearing"),
    HearingKind.OTHER: _l("Other hearing"),
}


class HearingOutcome(StrEnum):
    HELD = "held"
    CONTINUED = "continued"
    DECISION = "decision_issued"
    CANCELLED = "cancelled"


HEARING_OUTCOME_LABELS = {
    HearingOutcome.HELD: _l("Held"),
    HearingOutcome.CONTINUED: _l("Continued or reset by the court"),
    HearingOutcome.DECISION: _l("Held; the judge decided"),
    HearingOutcome.CANCELLED: _l("Cancelled"),
}


class Conclusion(StrEnum):
    """How removal proceedings ended for this organisation; none means pending."""

    TERMINATED = "terminated"
    RELIEF_GRANTED = "relief_granted"
    REMOVAL_ORDERED = "removal_ordered"
    VOLUNTARY_DEPARTURE = "voluntary_departure"
    HANDED_OVER = "handed_over"


CONCLUSION_LABELS = {
    Conclusion.TERMINATED: _l("Terminated or dismissed"),
    Conclusion.RELIEF_GRANTED: _l("Relief granted by the court"),
    Conclusion.REMOVAL_ORDERED: _l("Removal ordered (final)"),
    Conclusion.VOLUNTARY_DEPARTURE: _l("Voluntary departure granted"),
    Conclusion.HANDED_OVER: _l("Handed over to other counsel"),
}


class AddressChangeReason(StrEnum):
    RELEASE = "release"
    PLACEMENT = "placement_change"
    MOVE = "sponsor_moved"
    OTHER = "other"


ADDRESS_REASON_LABELS = {
    AddressChangeReason.RELEASE: _l("Released to a sponsor"),
    AddressChangeReason.PLACEMENT: _l("Moved to another shelter or placement"),
    AddressChangeReason.MOVE: _l("The child moved with the sponsor"),
    AddressChangeReason.OTHER: _l("Other"),
}


class FilingKind(StrEnum):
    """US relief filings. The SIJS state-court order comes before the I-360."""

    ASYLUM = "asylum_i589"
    SIJS_ORDER = "sijs_state_order"
    SIJS_I360 = "sijs_i360"
    T_VISA = "t_visa_i914"
    U_VISA = "u_visa_i918"
    OTHER = "other"


FILING_LABELS = {
    FilingKind.ASYLUM: _l("Asylum: I-589 at USCIS"),
    FilingKind.SIJS_ORDER: _l("SIJS: petition for the state-court predicate order"),
    FilingKind.SIJS_I360: _l("SIJS: I-360 petition"),
    FilingKind.T_VISA: _l("T visa: I-914"),
    FilingKind.U_VISA: _l("U visa: I-918"),
    FilingKind.OTHER: _l("Other application"),
}


class FilingDecision(StrEnum):
    GRANTED = "granted"
    DENIED = "denied"
    REFERRED = "referred_to_court"
    WITHDRAWN = "withdrawn"


FILING_DECISION_LABELS = {
    FilingDecision.GRANTED: _l("Granted"),
    FilingDecision.DENIED: _l("Denied"),
    FilingDecision.REFERRED: _l("Referred to the immigration court (still pending there)"),
    FilingDecision.WITHDRAWN: _l("Withdrawn"),
}

# A filing with no decision, or with one of these, is still pending.
FILING_STILL_PENDING = frozenset({FilingDecision.REFERRED})


class ComarDecision(StrEnum):
    RECOGNISED = "recognised"
    COMPLEMENTARY = "complementary_protection"
    REJECTED = "rejected"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"


COMAR_DECISION_LABELS = {
    ComarDecision.RECOGNISED: _l("Refugee status recognised"),
    ComarDecision.COMPLEMENTARY: _l("Complementary protection granted"),
    ComarDecision.REJECTED: _l("Rejected"),
    ComarDecision.APPEALED: _l("Rejected and appealed (recurso de revisión): still pending"),
    ComarDecision.WITHDRAWN: _l("Withdrawn or abandoned"),
}

COMAR_STILL_PENDING = frozenset({ComarDecision.APPEALED})
