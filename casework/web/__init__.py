"""Cross-cutting web glue: access control, errors, security headers."""
