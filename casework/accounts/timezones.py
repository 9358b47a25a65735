"""The time zones an office may work in: each office shows and reads times in its own.

Times are stored in UTC (models.UTCDateTime); pages show them, and forms read them,
in the time zone of the signed-in user's office (casework/web/fields.py, the `when`
filter), so that a hearing at 9:00 in Tijuana is 9:00 on a Tijuana caseworker's screen.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from casework.accounts.roles import Country

ZONES: dict[str, object] = {
    "America/Mexico_City": _l("Mexico City, Guadalajara, Monterrey (central Mexico)"),
    "America/Cancun": _l("Cancún, Quintana Roo"),
    "America/Chihuahua": _l("Chihuahua"),
    "America/Ciudad_Juarez": _l("Ciudad Juárez"),
    "America/Hermosillo": _l("Hermosillo, Sonora"),
    "America/Mazatlan": _l("Mazatlán, La Paz"),
    "America/Matamoros": _l("Matamoros, Reynosa, Nuevo Laredo"),
    "America/Tijuana": _l("Tijuana, Mexicali"),
    "America/New_York": _l("US Eastern (New York, Miami)"),
    "America/Chicago": _l("US Central (Chicago, Houston, San Antonio)"),
    "America/Denver": _l("US Mountain (Denver, El Paso)"),
    "America/Phoenix": _l("Arizona (Phoenix, Tucson)"),
    "America/Los_Angeles": _l("US Pacific (Los Angeles, San Diego)"),
    "UTC": _l("Coordinated Universal Time (UTC)"),
}
DEFAULT_ZONE = {Country.MX: "America/Mexico_City", Country.US: "America/Chicago"}


def default_zone(country: Country | str) -> str:
    return DEFAULT_ZONE[Country(country)]


def zone_choices() -> list[tuple[str, object]]:
    return list(ZONES.items())


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name if name in ZONES else "UTC")
