"""Cross-border transfer, return, handover and reintegration."""
