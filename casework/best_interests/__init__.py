"""Best interests assessment, case plan and determination (BID)."""
