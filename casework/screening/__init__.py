"""Consent and sharing scope, the custody timeline, and the first screenings of a child."""
