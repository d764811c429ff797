"""Canonical JSON: the one spelling of declarations and event data that is hashed and stored."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


def plain(value: Any) -> Any:
    """A mutable, JSON-ready copy of frozen metadata (mappings to dicts, tuples to lists)."""
    kind = type(value)
    if kind is MappingProxyType or kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is tuple or kind is list:
        return [plain(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def canonical_json(documents: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text: the form that is hashed and stored."""
    return json.dumps(documents, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=_json_default)


class Encoded(dict):
    """A JSON object decoded from its canonical text, which is kept: the database stores that
    text (see :func:`stored_json`) instead of encoding the object again (a county's published
    documents took 0.1 s to encode, of a 0.7 s publication)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        super().__init__(json.loads(text))
        self.text = text


def stored_json(value: Any) -> str:
    """How JSON columns are written (the engine's ``json_serializer``): an :class:`Encoded`
    object as its canonical text, anything else as SQLAlchemy's default would."""
    if type(value) is Encoded:
        return value.text
    return json.dumps(value)
