"""The one way adapters keep what belongs to an object they do not own: ``Memo``.

Statements built once are compiled once: SQLAlchemy caches compiled SQL by statement, and a
statement built again per call has its cache key computed again on every execution. A ``Memo``
keeps such values, typed by what it keeps, beside their owner (a table, a description, a
session) only while the owner lives; nothing is written onto the owner itself.
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
    """Values built once per owner (and dialect, where they depend on it), forgotten with it."""

    __slots__ = ("_entries", "_lock")

    def __init__(self) -> None:
        """Start empty."""
        # By the owner's id, with a weak reference that tells a live owner from a dead one
        # whose id was reused: a lookup then costs one dict access, and no weak reference is
        # made except when an owner is first seen.
        self._entries: dict[int, tuple[weakref.ref[K], dict[str, V]]] = {}
        self._lock = threading.RLock()

    def get(self, owner: K, build: Callable[[], V], dialect: str = "") -> V:
        """Return the value of ``owner`` (for ``dialect``), building it on first use."""
        entry = self._entries.get(id(owner))
        if entry is not None and entry[0]() is owner:
            value = entry[1].get(dialect)
            if value is not None:
                return value
        with self._lock:  # the first use of an owner (or dialect): built once, by one thread
            return self._build(owner, build, dialect)

    def _build(self, owner: K, build: Callable[[], V], dialect: str) -> V:
        key = id(owner)
        entry = self._entries.get(key)
        if entry is None or entry[0]() is not owner:
            entry = self._entries[key] = (weakref.ref(owner, self._forget(key)), {})
        values = entry[1]
        value = values.get(dialect)
        if value is None:
            value = values[dialect] = build()
        return value

    def _forget(self, key: int) -> Callable[[weakref.ref[K]], None]:
        def forget(reference: weakref.ref[K]) -> None:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is reference:
                del self._entries[key]

        return forget
