"""The five roles of DESIGN.md."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    CASEWORKER = "caseworker"
    PARALEGAL = "paralegal"
    ATTORNEY = "attorney"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]

    @property
    def is_legal(self) -> bool:
        return self in (Role.PARALEGAL, Role.ATTORNEY)


ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.PARALEGAL: _l("Paralegal"),
    Role.ATTORNEY: _l("Attorney"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}


class Country(StrEnum):
    MX = "MX"
    US = "US"

    @property
    def label(self):
        return COUNTRY_LABELS[self]


COUNTRY_LABELS = {Country.MX: _l("Mexico"), Country.US: _l("United States")}
