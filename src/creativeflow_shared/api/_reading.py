"""Read any document, however malformed, into the parts of a problem that are well-formed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from pydantic_core import from_json

from creativeflow_shared.api._problem import FieldProblem, Problem

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["read_problem"]

_TEXT_MEMBERS = {
    "title": "title",
    "detail": "detail",
    "instance": "instance",
    "code": "code",
    "correlationId": "correlation_id",
    "resource": "resource",
    "resourceId": "resource_id",
    "key": "key",
}
#: Every name a member of ``Problem`` answers to: never read as a service's extension.
_KNOWN = {name for field, info in Problem.model_fields.items() for name in (field, info.alias)}


def read_problem(data: object) -> Problem:
    """Return the problem ``data`` holds (JSON text or bytes, or a parsed mapping).

    It never raises: a member of the wrong type, or a document that is not JSON or not an
    object, is left out, down to an empty problem of type ``about:blank``.
    """
    parsed: object = data
    if isinstance(data, (str, bytes, bytearray)):
        try:
            parsed = from_json(data)
        except ValueError:
            parsed = None
    raw: Mapping[object, object] = (
        cast("Mapping[object, object]", parsed) if isinstance(parsed, Mapping) else {}
    )
    members: dict[str, object] = {k: v for k, v in raw.items() if isinstance(k, str)}
    fields: dict[str, object] = {
        field: value
        for name, field in _TEXT_MEMBERS.items()
        if isinstance(value := members.get(name), str)
    }
    kind = members.get("type")
    fields["type"] = kind if isinstance(kind, str) else "about:blank"
    status = _integer(members.get("status"))
    if status is not None and 100 <= status <= 599:  # noqa: PLR2004 (the HTTP status range)
        fields["status"] = status
    fields["expected_version"] = _integer(members.get("expectedVersion"))
    retry_after = _integer(members.get("retryAfter"))
    fields["retry_after"] = retry_after if retry_after is not None and retry_after >= 0 else None
    per_tenant = members.get("perTenant")
    fields["per_tenant"] = per_tenant if isinstance(per_tenant, bool) else None
    fields["errors"] = _field_problems(members.get("errors"))
    # RFC 9457 asks extension names to start with a letter; others (``_fields_set``) are left out.
    extensions: dict[str, object] = {
        name: value
        for name, value in members.items()
        if name not in _KNOWN and name[:1].isascii() and name[:1].isalpha()
    }
    # Every value above is checked, so nothing is validated again; extensions are kept as
    # they came.
    construct = cast("Callable[..., Problem]", Problem.model_construct)
    return construct(**fields, **extensions)


def _integer(value: object) -> int | None:
    # ``bool`` is an ``int`` in Python, never in JSON.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _field_problems(value: object) -> tuple[FieldProblem, ...] | None:
    if not isinstance(value, list):
        return None
    problems: list[FieldProblem] = []
    for item in cast("list[object]", value):
        if not isinstance(item, Mapping):
            continue
        entry = cast("Mapping[object, object]", item)
        pointer, detail, code = entry.get("pointer"), entry.get("detail"), entry.get("code")
        if isinstance(detail, str):
            problems.append(
                FieldProblem.model_construct(
                    pointer=pointer if isinstance(pointer, str) else "",
                    detail=detail,
                    code=code if isinstance(code, str) else "value_error",
                )
            )
    return tuple(problems)
