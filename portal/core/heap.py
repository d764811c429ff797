"""Building a site without the cyclic garbage collector re-reading the heap.

Loading, checking and publishing a county's site (10,000 offerings) allocates a few million
containers that all stay alive until the step ends. CPython's collector counts allocations and,
every so many, walks every tracked object of the oldest generation — the whole half-built site,
again and again, finding nothing to free. Measured on a 10,000-offering site: a `portal sync`
after one phone number changed took 5.1–5.5 s with the collector on and 2.7 s with it paused.
So the collector is paused for such a step and resumed after it (a step nested in another
leaves it to the outer one); what the step let go of is collected as usual afterwards. The
switch is the process's: a web worker's other threads go without the collector for those few
seconds too, which costs them nothing but memory held a little longer.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    if not gc.isenabled():  # an outer step paused it: it resumes it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def big_build(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with the collector paused (see the module's text)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return function(*args, **kwargs)

    return wrapper
