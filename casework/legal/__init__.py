"""Legal work: know-your-rights orientation (for now; screening, representation,
hearings, relief and privileged notes follow)."""
