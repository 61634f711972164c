"""Field locations as JSON Pointers (RFC 6901), and back."""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["location_of", "pointer_to"]

#: A reference token that names a list index: ``0`` or a number without a leading zero.
_INDEX = re.compile(r"0|[1-9][0-9]*")
#: ``~`` may only escape ``0`` (``~``) or ``1`` (``/``).
_BAD_ESCAPE = re.compile(r"~(?![01])")


def pointer_to(loc: tuple[str | int, ...]) -> str:
    """Return the JSON Pointer of a field location: ``("items", 0, "a/b")`` → ``/items/0/a~1b``.

    The empty location (the whole input) is the empty pointer.
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def location_of(pointer: str) -> tuple[str | int, ...] | None:
    """Return the field location a JSON Pointer names, or ``None`` if it is not one.

    Both the plain form (``/items/0``) and the URI fragment form (``#/items/0``) are read. A
    token that spells a list index (``0``, ``12``; not ``01``) becomes an ``int``: a pointer
    cannot tell a key ``"0"`` from the index ``0``, and field locations name indexes far more
    often than keys made of digits.
    """
    if pointer.startswith("#"):
        pointer = unquote(pointer[1:])
    if pointer == "":
        return ()
    if not pointer.startswith("/") or _BAD_ESCAPE.search(pointer):
        return None
    tokens = (t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))
    return tuple(int(t) if _INDEX.fullmatch(t) else t for t in tokens)
