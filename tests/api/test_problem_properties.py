"""G10 and the round trip: what a problem shows, and what it reads back as.

Hypothesis raises every kind of library error, and unknown exceptions, with random messages,
and with causes that carry SQL, a driver's message and a secret: no problem document shows
any of them, nor a traceback. Every library error read back from its problem is of the same
type with the same safe fields.
"""

from __future__ import annotations

import contextlib
import json
import math
import traceback

from hypothesis import given
from hypothesis import strategies as st

from creativeflow_shared.api import error_from_problem, problem_for
from creativeflow_shared.application import RequestContext
from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
    UnknownEventTypeError,
)
from creativeflow_shared.security import Secret

CONTEXT = RequestContext(correlation_id="corr-1")

#: Text a caller may see: no lone surrogates (JSON cannot carry them).
texts = st.text(st.characters(codec="utf-8"), max_size=30)
#: Secrets long and odd enough that no random message holds one by chance.
secrets = st.from_regex(r"s3cr3t-[A-Za-z0-9]{12}", fullmatch=True).map(Secret)
sql = st.builds(
    "SELECT {} FROM {} WHERE tenant_id = 'tenant-{}'".format,
    st.sampled_from(["id, data", "*", "password_hash"]),
    st.sampled_from(["jobs", "users", "api_keys"]),
    st.from_regex(r"[a-z]{10}", fullmatch=True),
)
driver_messages = st.builds(
    'psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "{}"'.format,
    st.from_regex(r"ix_[a-z]{10}", fullmatch=True),
)
#: A field location: list indexes, and keys that a JSON pointer reads back as keys.
locations = st.lists(
    st.integers(min_value=0, max_value=99) | texts.filter(lambda t: not t.isdecimal()),
    max_size=4,
).map(tuple)
field_errors = st.builds(
    FieldError, locations, texts, st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
)
ids = texts.filter(bool)


def _with_secret(message: str, secret: Secret[str]) -> str:
    # Code that formats a secret into a message shows its mask, never its value.
    return f"{message} {secret}"


library_errors = st.one_of(
    st.builds(NotFoundError, texts, ids),
    st.builds(AlreadyExistsError, texts, ids),
    st.builds(AlreadyExistsError, texts, ids, key=texts, per_tenant=st.booleans()),
    st.builds(
        ConcurrencyConflictError,
        texts,
        ids,
        expected_version=st.none() | st.integers(min_value=0),
    ),
    st.builds(InvalidInputError, st.lists(field_errors, max_size=4), texts),
    st.builds(UnknownEventTypeError, texts, texts),
    st.builds(BusinessRuleViolationError, st.builds(_with_secret, texts, secrets)),
    st.builds(CurrencyMismatchError, texts, texts),
    st.builds(UnauthorizedError, texts),
    st.builds(ForbiddenError, texts),
    st.builds(
        UnavailableError,
        texts,
        retry_after=st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False),
    ),
)


@st.composite
def raised(draw: st.DrawFn) -> tuple[BaseException, list[str]]:
    """An error raised from a cause holding internals, and the internals to look for."""
    leaked = [draw(sql), draw(driver_messages), draw(secrets).reveal()]
    unknown: type[Exception] = draw(st.sampled_from([RuntimeError, ValueError, KeyError, OSError]))
    error: BaseException = draw(
        library_errors
        | st.builds(KernelError, st.just(" ".join(leaked)))
        | st.just(unknown(f"{leaked[0]} failed: {leaked[1]} ({leaked[2]})"))
    )
    cause = RuntimeError(f"{leaked[1]}\n{leaked[0]}\npassword={leaked[2]}")
    with contextlib.suppress(type(error)):
        _raise(error, cause)
    assert error.__traceback__ is not None
    return error, leaked


def _raise(error: BaseException, cause: BaseException) -> None:
    raise error from cause


@given(raised())
def test_no_problem_shows_a_traceback_sql_a_driver_message_or_a_secret(
    case: tuple[BaseException, list[str]],
) -> None:
    error, leaked = case

    body = problem_for(error, context=CONTEXT).body.decode()

    assert [text for text in leaked if text in body] == []
    assert "Traceback" not in body
    assert 'File "' not in body
    assert not any(line in body for line in traceback.format_tb(error.__traceback__))


def _safe_fields(error: KernelError) -> dict[str, object]:
    """What a problem carries of each library error."""
    fields: dict[str, object] = {"type": type(error), "code": error.code}
    match error:
        case UnavailableError():
            seconds = error.retry_after
            fields["retry_after"] = None if seconds is None else float(math.ceil(seconds))
        case InvalidInputError():
            fields |= {"message": error.message, "field_errors": error.field_errors}
        case _:
            fields |= {"message": error.message, "details": dict(error.details)}
    return fields


@given(library_errors)
def test_every_library_error_reads_back_as_itself(error: KernelError) -> None:
    response = problem_for(error, context=CONTEXT)

    restored = error_from_problem(response.body, status=response.status)

    assert _safe_fields(restored) == _safe_fields(error)


@given(library_errors)
def test_a_problem_document_says_it_all_without_the_response_status(error: KernelError) -> None:
    body = problem_for(error, context=CONTEXT).body

    restored = error_from_problem(json.loads(body))

    assert type(restored) is type(error)
