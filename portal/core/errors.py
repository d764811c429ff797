"""Domain errors. The CLI turns them into click errors; the web layer into messages.

A domain error carries a message id and its parameters, not finished text: the message is
English in the code (and in logs), and is translated where it is shown — on a page in the
user's language, on the command line in the locale's (``--lang``, else ``LC_ALL`` /
``LC_MESSAGES`` / ``LANG``). Mark a message id with :func:`N_` so the catalog finds it::

    raise PortalError(N_("case %(number)s is no longer a draft"),
                      hint=N_("it was submitted already"), number=case.number)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Translate = Callable[[str], str]


class Msg(str):
    """A message id: text that is translated where it is shown (a parameter too)."""

    __slots__ = ()


def N_(message: str) -> Msg:
    """A message id, marked for the catalog and translated where it is shown."""
    return Msg(message)


def _same(message: str) -> str:
    return message


class PortalError(Exception):
    """An error a user can act on: a message, and a hint of what to do; ``params`` fill the
    ``%(name)s`` placeholders of both."""

    def __init__(self, message: str, hint: str = "", **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.params = params

    def render(self, translate: Translate = _same) -> str:
        """The error as one text, through ``translate`` (a gettext)."""
        params = {k: translate(v) if isinstance(v, Msg) else v for k, v in self.params.items()}
        text = translate(self.message) % params if params else translate(self.message)
        if not self.hint:
            return text
        hint = translate(self.hint) % params if params else translate(self.hint)
        return translate(N_("%(message)s (%(hint)s)")) % {"message": text, "hint": hint}

    def __str__(self) -> str:
        return self.render()
