"""Family tracing, verification, sponsors, release and follow-up."""
