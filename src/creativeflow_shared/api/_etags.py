"""Entity tags over aggregate versions, and the ``If-Match`` / ``If-None-Match`` conditions."""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from returns.result import Failure, Result, Success

from creativeflow_shared.domain import ConcurrencyConflictError

__all__ = ["Versioned", "check_if_match", "etag_for", "if_none_match_hit"]

#: One member of an entity-tag list (RFC 9110 §8.8.3): ``*``, or a weak or strong tag of
#: ``etagc`` characters.
_MEMBER = r'(?:\*|(?:W/)?"[\x21\x23-\x7e\x80-\xff]*")'
#: A list of members (RFC 9110 §5.6.1), empty members allowed; written so that no two ways of
#: reading one text exist, which keeps the match linear on any input.
_LIST = re.compile(rf"[ \t]*(?:{_MEMBER}[ \t]*)?(?:,[ \t]*(?:{_MEMBER}[ \t]*)?)*")
#: The members of a list that ``_LIST`` matched, with the opaque part of each tag.
_MEMBERS = re.compile(r'(?P<any>\*)|(?:W/)?"(?P<tag>[^"]*)"')
#: The opaque tags this module writes: ``<version>-<digest of the id>``.
_OURS = re.compile(r"(?P<version>0|[1-9][0-9]*)-(?P<digest>[0-9a-f]{16})")


class Versioned(Protocol):
    """Anything with an id and a version: an aggregate root, or a read model of one."""

    @property
    def id(self) -> object:
        """The resource's id; its text is what tells two resources' tags apart."""
        ...

    @property
    def version(self) -> int:
        """The version, bumped by every change the resource commits."""
        ...


def _opaque(resource: Versioned) -> str:
    digest = hashlib.blake2b(
        str(resource.id).encode("utf-8", "surrogatepass"), digest_size=8
    ).hexdigest()
    return f"{resource.version}-{digest}"


def etag_for(resource: Versioned) -> str:
    """Return the weak entity tag of ``resource``'s current version: ``W/"<version>-<id digest>"``.

    The tag is weak because the version names the resource's state, not the bytes of one
    representation of it. A digest of the id makes tags of different resources differ, so
    a tag taken from one resource never satisfies a condition on another.

    Examples:
        >>> from types import SimpleNamespace
        >>> etag_for(SimpleNamespace(id="job-1", version=3))
        'W/"3-01e636a65307b56b"'
    """
    return f'W/"{_opaque(resource)}"'


def _members(header: str) -> list[str] | None:
    """Return the opaque tags of an entity-tag list, or ``None`` if it holds ``*``.

    A header that is not such a list (a tag without quotes, a quote inside a tag) names no
    tag at all: a malformed ``If-Match`` fails and a malformed ``If-None-Match`` never hits.
    """
    if _LIST.fullmatch(header) is None:
        return []
    tags: list[str] = []
    for member in _MEMBERS.finditer(header):
        if member["any"] is not None:
            return None
        tags.append(member["tag"])
    return tags


def check_if_match(
    header: str | None, resource: Versioned
) -> Result[None, ConcurrencyConflictError]:
    """Check an ``If-Match`` header against ``resource``'s current version.

    Tags are compared weakly (the ``W/`` prefix is ignored on both sides), although RFC 9110
    asks for the strong comparison here: the tags are weak, and for a write guarded by a
    version the weak comparison is the meaningful one (ADR 0029). No header, ``*``, or a list
    holding the current tag passes; anything else, a malformed header included, fails.
    Answer the failure with ``problem_for(error, if_match_sent=True)``: a 412.

    Returns:
        ``Success(None)`` when the condition holds, or ``Failure`` with a
        ``ConcurrencyConflictError`` naming the resource (and the version the caller
        expected, when its tag is one of this resource's) when it does not.

    Examples:
        >>> from types import SimpleNamespace
        >>> job = SimpleNamespace(id="job-1", version=3)
        >>> check_if_match(etag_for(job), job)
        <Success: None>
        >>> check_if_match('W/"2-01e636a65307b56b"', job).failure().expected_version
        2
    """
    if header is None:
        return Success(None)
    tags = _members(header)
    current = _opaque(resource)
    if tags is None or current in tags:
        return Success(None)
    digest = current.partition("-")[2]
    expected = next(
        (int(m["version"]) for t in tags if (m := _OURS.fullmatch(t)) and m["digest"] == digest),
        None,
    )
    return Failure(
        ConcurrencyConflictError(type(resource).__name__, resource.id, expected_version=expected)
    )


def if_none_match_hit(header: str | None, resource: Versioned | None) -> bool:
    """Whether an ``If-None-Match`` header names ``resource``'s current version.

    A hit means "the client has it already": answer a ``GET`` with 304 Not Modified and a
    write with 412. ``*`` hits any resource that exists (``resource`` is not ``None``), which
    makes a ``PUT`` create-only. Tags are compared weakly, as RFC 9110 asks for this header;
    a missing or malformed header never hits.

    Examples:
        >>> from types import SimpleNamespace
        >>> job = SimpleNamespace(id="job-1", version=3)
        >>> if_none_match_hit(etag_for(job), job), if_none_match_hit("*", None)
        (True, False)
    """
    if header is None or resource is None:
        return False
    tags = _members(header)
    return tags is None or _opaque(resource) in tags
