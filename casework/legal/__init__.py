"""Legal work: know-your-rights, relief screening, representation, removal proceedings
and hearings, relief filings in the US and in Mexico (COMAR), privileged notes, age-out
alerts and the legal staff's calendar."""
