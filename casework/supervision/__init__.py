"""Supervision: periodic case reviews (for now; the dashboard, sign-off queue and exports
follow)."""
