"""The one place adapters keep what they build once: statements per description and dialect.

Statements built once are compiled once: SQLAlchemy caches compiled SQL by statement, and a
statement built again per call has its cache key computed again on every execution. Each
``Memo`` is typed by what it keeps, and keeps it beside its owner (a table, a description)
only while the owner lives; nothing is written onto the owner itself.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Memo"]

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Values built once per owner and dialect, forgotten with the owner."""

    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        """Start empty."""
        self._values: weakref.WeakKeyDictionary[K, dict[str, V]] = weakref.WeakKeyDictionary()
        self._lock = threading.RLock()

    def get(self, owner: K, dialect: str, build: Callable[[], V]) -> V:
        """Return the value of ``owner`` for ``dialect``, building it on first use."""
        with self._lock:  # uncontended but for the first use: built once, by one thread
            per_dialect = self._values.setdefault(owner, {})
            value = per_dialect.get(dialect)
            if value is None:
                value = per_dialect[dialect] = build()
            return value
