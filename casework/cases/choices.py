"""Fixed lists shown in the intake form. Codes are stored; labels are translated."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EncounterType(StrEnum):
    PORT_OF_ENTRY = "port_of_entry"
    BETWEEN_PORTS = "between_ports"
    INTERIOR = "interior"
    IN_MEXICO = "in_mexico"


class Separation(StrEnum):
    UNACCOMPANIED = "unaccompanied"
    SEPARATED = "separated"


STATUS_LABELS = {CaseStatus.OPEN: _l("Open"), CaseStatus.CLOSED: _l("Closed")}

ENCOUNTER_LABELS = {
    EncounterType.PORT_OF_ENTRY: _l("At a port of entry"),
    EncounterType.BETWEEN_PORTS: _l("Between ports of entry"),
    EncounterType.INTERIOR: _l("In the interior"),
    EncounterType.IN_MEXICO: _l("In Mexico"),
}

SEPARATION_LABELS = {
    Separation.UNACCOMPANIED: _l("Unaccompanied (no parent or caregiver)"),
    Separation.SEPARATED: _l("Separated (from parents, with another adult)"),
}

SEX_CHOICES = [
    ("", _l("Not recorded")),
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
]

AGE_METHODS = [
    ("documents", _l("Identity or birth documents")),
    ("interview", _l("Interview with the child")),
    ("family", _l("Statement of a family member")),
    ("medical", _l("Medical age assessment")),
    ("self_declared", _l("Declared by the child, not verified")),
]

# ISO 3166 alpha-2. Mexico and Canada matter to the workflow (contiguous-country screening).
NATIONALITIES = [
    ("GT", _l("Guatemala")),
    ("HN", _l("Honduras")),
    ("SV", _l("El Salvador")),
    ("MX", _l("Mexico")),
    ("NI", _l("Nicaragua")),
    ("VE", _l("Venezuela")),
    ("CU", _l("Cuba")),
    ("HT", _l("Haiti")),
    ("CO", _l("Colombia")),
    ("EC", _l("Ecuador")),
    ("PE", _l("Peru")),
    ("BR", _l("Brazil")),
    ("CA", _l("Canada")),
    ("CN", _l("China")),
    ("IN", _l("India")),
    ("AF", _l("Afghanistan")),
    ("XX", _l("Other or unknown")),
]
NATIONALITY_LABELS = dict(NATIONALITIES)

# Languages named by their speakers' own conventions; Indigenous languages of
# Guatemala and Mexico are common among children arriving alone.
LANGUAGES = [
    ("es", _l("Spanish")),
    ("en", _l("English")),
    ("quc", _l("K'iche'")),
    ("mam", _l("Mam")),
    ("kjb", _l("Q'anjob'al")),
    ("kek", _l("Q'eqchi'")),
    ("cak", _l("Kaqchikel")),
    ("knj", _l("Akateko")),
    ("cac", _l("Chuj")),
    ("ixl", _l("Ixil")),
    ("cab", _l("Garifuna")),
    ("ht", _l("Haitian Creole")),
    ("pt", _l("Portuguese")),
]
LANGUAGE_LABELS = dict(LANGUAGES)


def language_label(code: str) -> str:
    """A listed language's name, or the free text a user typed."""
    return str(LANGUAGE_LABELS.get(code, code))
