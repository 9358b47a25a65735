"""The child and the case: intake, search, list, detail, edit, case team."""
