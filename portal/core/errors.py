"""Domain errors. The CLI turns them into click errors; the web layer into messages."""

from __future__ import annotations


class PortalError(Exception):
    """An error a user can act on: a message, and a hint of what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
