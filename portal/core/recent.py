"""A few recent results by key, shared by the threads of a process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class Recent:
    """The last ``keep`` results put, by key; the oldest is dropped past that. Safe to share
    between threads (a value is computed outside the lock: two threads may both compute it)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Any, value: Any) -> Any:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._keep:
                self._items.popitem(last=False)
        return value
