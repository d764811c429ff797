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
