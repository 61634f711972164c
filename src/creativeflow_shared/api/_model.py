"""The base of every request and response body: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["ApiModel"]


class ApiModel(BaseModel):
    """A body of the HTTP API: camelCase aliases, read by name too, no extra fields, frozen.

    Python code names fields in snake_case; JSON (in and out) uses their camelCase aliases.
    Unknown fields are refused, so a misspelt field is an error rather than silently ignored.

    Examples:
        >>> class JobOut(ApiModel):
        ...     job_id: str
        ...     prompt_text: str
        >>> body = JobOut(job_id="j-1", prompt_text="a lighthouse")
        >>> body.model_dump_json()
        '{"jobId":"j-1","promptText":"a lighthouse"}'
        >>> JobOut.model_validate({"jobId": "j-2", "promptText": "dusk"}).job_id
        'j-2'
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
    )
