"""The codes the transfer, return and reintegration records store, and their labels."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class LegalPathway(StrEnum):
    """How the child enters the US on a safe transfer."""

    ASYLUM_AT_PORT = "asylum_at_port"
    PAROLE = "parole"
    FAMILY_PETITION = "family_petition"
    OTHER = "other"


PATHWAY_LABELS = {
    LegalPathway.ASYLUM_AT_PORT: _l("Presented at a US port of entry to seek protection"),
    LegalPathway.PAROLE: _l("Humanitarian parole"),
    LegalPathway.FAMILY_PETITION: _l("Family-based petition or visa"),
    LegalPathway.OTHER: _l("Other (say which in the notes)"),
}


class ReceivingAuthority(StrEnum):
    """The child-protection authority that receives a returned child."""

    DIF = "dif"  # Mexico: Sistema Nacional DIF
    DINAF = "dinaf"  # Honduras: Dirección de Niñez, Adolescencia y Familia
    PGN = "pgn"  # Guatemala: Procuraduría General de la Nación
    CONNA = "conna"  # El Salvador: Consejo Nacional de la Niñez y de la Adolescencia
    OTHER = "other"


AUTHORITY_LABELS = {
    ReceivingAuthority.DIF: _l("DIF (Mexico)"),
    ReceivingAuthority.DINAF: _l("DINAF (Honduras)"),
    ReceivingAuthority.PGN: _l("PGN (Guatemala)"),
    ReceivingAuthority.CONNA: _l("CONNA (El Salvador)"),
    ReceivingAuthority.OTHER: _l("Another authority (name it)"),
}


class ChildCondition(StrEnum):
    """The child's condition at a handover, in one code a dashboard can count."""

    WELL = "well"
    NEEDS_CARE = "needs_care"
    URGENT = "urgent"


CONDITION_LABELS = {
    ChildCondition.WELL: _l("Well"),
    ChildCondition.NEEDS_CARE: _l("Needs follow-up care"),
    ChildCondition.URGENT: _l("Needs urgent care"),
}


class SchoolStatus(StrEnum):
    ENROLLED = "enrolled"
    NOT_ENROLLED = "not_enrolled"
    NOT_APPLICABLE = "not_applicable"


SCHOOL_LABELS = {
    SchoolStatus.ENROLLED: _l("Attending school or training"),
    SchoolStatus.NOT_ENROLLED: _l("Not attending school"),
    SchoolStatus.NOT_APPLICABLE: _l("Not applicable (working age, with a plan)"),
}
