"""Errors that carry a message meant for the user, not a traceback."""


class UserError(Exception):
    """Bad input or a missing resource; the message says what to do."""


class ModelMissingError(UserError):
    """A model package is not installed or its files are damaged."""


class Cancelled(Exception):
    """A job was cancelled by the user or superseded by a newer edit (not an error)."""
