"""RFC 9457 problem details: the document, its field errors and the response that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ConfigDict, JsonValue

from creativeflow_shared.api._model import ApiModel

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["PROBLEM_JSON", "FieldProblem", "Problem", "ProblemResponse"]

#: The media type of a problem details document (RFC 9457).
PROBLEM_JSON = "application/problem+json"


class FieldProblem(ApiModel):
    """One invalid part of a request: where it is, what is wrong, and a machine code.

    Attributes:
        pointer: The JSON Pointer (RFC 6901) of the invalid part, from the input's root
            (``""`` for the input as a whole).
        detail: What is wrong, for humans.
        code: A stable machine-readable kind of problem (pydantic's error types, or a
            service's own).
    """

    pointer: str
    detail: str
    code: str


class Problem(ApiModel):
    """An RFC 9457 problem details document (``application/problem+json``).

    The five standard members come first; the library's extension members follow, and a
    service's own extension members are kept as extra fields (``model_extra``). Members that
    are ``None`` are left out of the JSON.

    Attributes:
        type: The URI that identifies the kind of problem (``about:blank`` when the status
            says it all).
        title: A short summary of the kind of problem; the same for every occurrence.
        status: The HTTP status code of this occurrence.
        detail: What went wrong in this occurrence, for humans.
        instance: A URI reference that identifies this occurrence.
        code: The stable snake_case code of the library error (or of a service's subclass).
        correlation_id: The request's correlation id, to quote when reporting the problem.
        errors: Every invalid part of the request (invalid input only).
        resource: The kind of resource concerned (not found, already exists, conflict).
        resource_id: The id of that resource, as the caller named it.
        key: The unique key that another resource holds already.
        per_tenant: Whether ``key`` is unique within each tenant.
        expected_version: The version the caller expected to change (conflict).
        retry_after: How many seconds to wait before retrying (unavailable).
    """

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    correlation_id: str | None = None
    errors: tuple[FieldProblem, ...] | None = None
    resource: str | None = None
    resource_id: str | None = None
    key: str | None = None
    per_tenant: bool | None = None
    expected_version: int | None = None
    retry_after: int | None = None

    @property
    def extensions(self) -> Mapping[str, JsonValue]:
        """The extension members the library does not know (a service's own), by name."""
        extra: dict[str, JsonValue] = self.model_extra or {}
        return extra

    def to_json(self) -> bytes:
        """Return the document as compact UTF-8 JSON, without the members that are ``None``."""
        return self.model_dump_json(exclude_none=True).encode()


@dataclass(frozen=True, slots=True)
class ProblemResponse:
    """What the service edge answers for an error: a status, headers and a problem document.

    Framework-free: the FastAPI integration (or any other) turns it into its own response.

    Attributes:
        status: The HTTP status code.
        headers: The response headers: ``Content-Type`` always, and ``WWW-Authenticate``
            (401) or ``Retry-After`` (503) where they apply.
        problem: The problem details document.
    """

    status: int
    headers: Mapping[str, str]
    problem: Problem

    @property
    def body(self) -> bytes:
        """The document as the response body (``application/problem+json``)."""
        return self.problem.to_json()
