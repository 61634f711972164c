"""What the kernel adds to ``returns``: error accumulation, pydantic bridging, async helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from pydantic import BaseModel, ValidationError
from returns.result import Failure, Result, Success

from creativeflow_shared.domain._errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

__all__ = ["and_then", "at", "collect", "collect_async", "combine", "validate"]

T = TypeVar("T")
E = TypeVar("E")
M = TypeVar("M", bound=BaseModel)
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
F = TypeVar("F")
N = TypeVar("N")
E2 = TypeVar("E2")


def validate(model: type[M], data: object) -> Result[M, InvalidInputError]:
    """Validate ``data`` into ``model`` and report every problem instead of raising.

    Returns:
        ``Success`` with the model, or ``Failure`` with an ``InvalidInputError`` that carries
        each field error and its location.

    Examples:
        >>> from pydantic import BaseModel
        >>> class Signup(BaseModel):
        ...     name: str
        ...     age: int
        >>> [e.loc for e in validate(Signup, {"age": "old"}).failure().field_errors]
        [('name',), ('age',)]
    """
    try:
        return Success(model.model_validate(data))
    except ValidationError as exc:
        return Failure(InvalidInputError.from_validation_error(exc))


def at(loc: str | int, result: Result[T, InvalidInputError]) -> Result[T, InvalidInputError]:
    """Locate the field errors of a failed ``result`` under ``loc``.

    Examples:
        >>> from creativeflow_shared.domain import Email
        >>> at("email", Email.create("nope")).failure().field_errors[0].loc
        ('email',)
    """
    return result.alt(lambda error: error.prefixed(loc))


@overload
def combine(r1: Result[A, InvalidInputError], /) -> Result[tuple[A], InvalidInputError]: ...
@overload
def combine(
    r1: Result[A, InvalidInputError], r2: Result[B, InvalidInputError], /
) -> Result[tuple[A, B], InvalidInputError]: ...
@overload
def combine(
    r1: Result[A, InvalidInputError],
    r2: Result[B, InvalidInputError],
    r3: Result[C, InvalidInputError],
    /,
) -> Result[tuple[A, B, C], InvalidInputError]: ...
@overload
def combine(
    r1: Result[A, InvalidInputError],
    r2: Result[B, InvalidInputError],
    r3: Result[C, InvalidInputError],
    r4: Result[D, InvalidInputError],
    /,
) -> Result[tuple[A, B, C, D], InvalidInputError]: ...
@overload
def combine(
    r1: Result[A, InvalidInputError],
    r2: Result[B, InvalidInputError],
    r3: Result[C, InvalidInputError],
    r4: Result[D, InvalidInputError],
    r5: Result[F, InvalidInputError],
    /,
) -> Result[tuple[A, B, C, D, F], InvalidInputError]: ...
@overload
def combine(
    *results: Result[Any, InvalidInputError],
) -> Result[tuple[Any, ...], InvalidInputError]: ...
def combine(*results: Result[Any, InvalidInputError]) -> Result[tuple[Any, ...], InvalidInputError]:
    """Join several validations, keeping *every* field error when any of them failed.

    ``returns``' own ``Fold.collect_all`` drops failures; this keeps them all.

    Returns:
        ``Success`` with the values in order, or ``Failure`` with one ``InvalidInputError``
        carrying the field errors of every failed result.

    Examples:
        >>> from creativeflow_shared.domain import Email, NonEmptyStr
        >>> checked = combine(at("email", Email.create("bad")), at("name", NonEmptyStr.create(" ")))
        >>> [e.loc for e in checked.failure().field_errors]
        [('email',), ('name',)]
    """
    values: list[Any] = []
    errors: list[InvalidInputError] = []
    for result in results:
        if isinstance(result, Success):
            values.append(result.unwrap())
        else:
            errors.append(result.failure())
    if errors:
        return Failure(errors[0].merge(*errors[1:]))
    return Success(tuple(values))


def collect(results: Iterable[Result[T, E]]) -> Result[list[T], list[E]]:
    """Turn many results into one, keeping every failure (not only the first).

    Returns:
        ``Success`` with all values in order, or ``Failure`` with all errors in order.

    Examples:
        >>> from returns.result import Failure, Success
        >>> collect([Success(1), Failure("a"), Success(2), Failure("b")])
        <Failure: ['a', 'b']>
    """
    values: list[T] = []
    errors: list[E] = []
    for result in results:
        if isinstance(result, Success):
            values.append(result.unwrap())
        else:
            errors.append(result.failure())
    return Failure(errors) if errors else Success(values)


async def collect_async(awaitables: Iterable[Awaitable[Result[T, E]]]) -> Result[list[T], list[E]]:
    """Await results concurrently and ``collect`` them.

    Returns:
        ``Success`` with all values in the order given, or ``Failure`` with all errors.

    Examples:
        >>> import asyncio
        >>> from returns.result import Success
        >>> async def one() -> Result[int, str]:
        ...     return Success(1)
        >>> asyncio.run(collect_async([one(), one()]))
        <Success: [1, 1]>
    """
    import asyncio  # noqa: PLC0415 (deferred: asyncio alone would double the domain's import time)

    return collect(await asyncio.gather(*awaitables))


def and_then(result: Result[T, E], function: Callable[[T], Result[N, E2]]) -> Result[N, E | E2]:
    """Pass a success's value to ``function``; a failure passes through untouched.

    ``Result.bind`` wants ``function`` to fail with ``result``'s own error type, so
    ``repo.get(id_).bind(lambda job: job.cancel())`` is refused by the type checkers when
    ``get`` fails with ``NotFoundError`` and ``cancel`` with ``BusinessRuleViolationError``.
    ``and_then`` joins the two error types instead: the result fails with either.

    Returns:
        ``function``'s result for a ``Success``, or ``result`` itself for a ``Failure``.

    Examples:
        >>> from returns.result import Failure, Success
        >>> def half(n: int) -> Result[int, str]:
        ...     return Success(n // 2) if n % 2 == 0 else Failure("odd")
        >>> and_then(Success(4), half)
        <Success: 2>
        >>> and_then(Success(3), half)
        <Failure: odd>
        >>> and_then(Failure(KeyError("k")), half)
        <Failure: 'k'>
    """
    if isinstance(result, Success):
        return function(result.unwrap())
    return cast("Result[N, E | E2]", result)  # a Failure holds no value to retype
