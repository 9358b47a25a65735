"""Domain errors. Views turn them into clear messages; they never carry field values."""


class DomainError(Exception):
    pass


class NotPermitted(DomainError):
    """The user may not do this to this record. The message, if any, is for the user."""


class StaleEdit(DomainError):
    """Someone else saved the record since the form was loaded."""

    def __init__(self, current_version: int | None):
        super().__init__("stale edit")
        self.current_version = current_version
