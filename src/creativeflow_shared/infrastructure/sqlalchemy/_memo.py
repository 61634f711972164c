"""The one way adapters keep what they build once for an object they do not own: ``Memo``.

Statements built once are compiled once: SQLAlchemy caches compiled SQL by statement, and a
statement built again per call has its cache key computed again on every execution. A
``Memo`` keeps such values in their owner's own ``info`` mapping (a table's, a session's, a
storage description's), under the memo itself as the key: a value lives exactly as long as its
owner, even when it refers back to it, and no name is shared between caches.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

__all__ = ["Memo"]

V = TypeVar("V")


class Memo(Generic[V]):
    """Values built once per owner (and dialect, where they depend on it)."""

    __slots__ = ("_lock", "_name")

    def __init__(self, name: str) -> None:
        """Keep values of one kind, named for debugging (``table.info`` shows the memo)."""
        self._name = name
        self._lock = threading.Lock()

    @override
    def __repr__(self) -> str:
        """Name the memo, as it shows among an owner's ``info`` entries."""
        return f"Memo({self._name!r})"

    def get(self, home: MutableMapping[Any, Any], build: Callable[[], V], dialect: str = "") -> V:
        """Return the value kept in ``home`` (an owner's ``info``), building it on first use."""
        values: dict[str, V] | None = home.get(self)
        if values is not None:
            value = values.get(dialect)
            if value is not None:
                return value
        with self._lock:  # the first use of an owner (or dialect): built once, by one thread
            values = cast("dict[str, V]", home.setdefault(self, {}))
            value = values.get(dialect)
            if value is None:
                value = values[dialect] = build()
            return value
