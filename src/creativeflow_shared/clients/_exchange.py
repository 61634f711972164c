"""One call from start to outcome, written once for the sync and the async client.

An ``Exchange`` builds each attempt's request (the request context's headers, a timeout cut
to what is left of the budget), reads each answer or transport error into a ``Result``, and
decides whether another attempt is due and after how long. The clients only send (or await)
what it built, inside the attempts of ``stamina``'s retry context, which does the waiting
(and its logging, metrics and testing switches): ``settle`` raises ``TryAgain`` with the
wait, and stamina's backoff hook (``wait_of``) hands that wait to stamina.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import httpx
import stamina
from returns.result import Failure, Result

from creativeflow_shared.application import current_context
from creativeflow_shared.clients._answer import read_answer, unreachable
from creativeflow_shared.domain import KernelError, UnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Generator, Iterator

    from creativeflow_shared.clients._call import ServiceCall
    from creativeflow_shared.clients._policy import CallPolicy

__all__ = ["Attempts", "Exchange", "TryAgain", "wait_of"]

M = TypeVar("M")

#: The shortest timeout an attempt is given, when the budget is (all but) spent: a timeout
#: of zero would not even let a pooled connection answer.
_SHORTEST_TIMEOUT = 0.001


class Attempts(Protocol):
    """Stamina's retry context: attempts to iterate with ``for`` or with ``async for``."""

    def __iter__(self) -> Iterator[stamina.Attempt]: ...
    def __aiter__(self) -> AsyncIterator[stamina.Attempt]: ...


class TryAgain(Exception):  # noqa: N818 (a signal to stamina, not an error anyone sees)
    """Raised inside an attempt to ask stamina for another one after ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        """Ask for another attempt after ``wait`` seconds."""
        super().__init__(wait)
        self.wait = wait


def wait_of(error: Exception) -> float | bool:
    """Stamina's backoff hook: the wait ``TryAgain`` asks for; anything else is not retried."""
    return error.wait if isinstance(error, TryAgain) else False


class Exchange(Generic[M]):
    """The state of one call: its attempts, its deadline and its latest outcome."""

    __slots__ = (
        "_attempts",
        "_call",
        "_clock",
        "_content",
        "_deadline",
        "_headers",
        "_policy",
        "_service",
        "_url",
        "outcome",
    )

    def __init__(
        self,
        call: ServiceCall[M],
        policy: CallPolicy,
        service: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start ``call`` now, in the current request context, under ``policy``."""
        self._call = call
        self._policy = policy
        self._service = service
        self._clock = clock
        self._deadline = clock() + policy.total_timeout
        # Read once: every attempt carries the same correlation id, even outside a request.
        self._headers = call.request_headers(current_context())
        self._content = call.content()
        # Merged here, not by ``build_request``, whose ``params`` replace the path's query.
        self._url = httpx.URL(call.path).copy_merge_params(dict(call.params))
        self._attempts = 0
        #: The outcome of the latest attempt (a placeholder until the first one ends).
        self.outcome: Result[M, KernelError] = Failure(UnavailableError(service))

    def retrying(self) -> Attempts:
        """Return stamina's attempts; iterate them with ``for`` or ``async for``."""
        # No stamina timeout: the budget is kept here, where the wait is known before it
        # begins. The attempts are stamina's too, so that its testing mode can cap them.
        return stamina.retry_context(on=wait_of, attempts=self._policy.attempts, timeout=None)

    @contextmanager
    def sending(self, http: httpx.Client | httpx.AsyncClient) -> Generator[httpx.Request]:
        """Yield the next attempt's request; a transport error inside is its outcome.

        Raises:
            TryAgain: If the transport error is worth another attempt.
        """
        self._attempts += 1
        left = self._deadline - self._clock()
        request = http.build_request(
            self._call.method,
            self._url,
            headers=self._headers,
            content=self._content,
            timeout=max(min(self._policy.attempt_timeout, left), _SHORTEST_TIMEOUT),
        )
        try:
            yield request
        except httpx.RequestError as error:  # a timeout, a refused or dropped connection
            self._conclude(unreachable(self._service, error))

    def settle(self, response: httpx.Response) -> None:
        """Read the attempt's ``response`` into the outcome.

        Raises:
            TryAgain: If the outcome is worth another attempt.
        """
        self._conclude(read_answer(response, self._call.model, service=self._service))

    def _conclude(self, outcome: Result[M, KernelError]) -> None:
        self.outcome = outcome
        wait = self.wait_before_next()
        if wait is not None:
            raise TryAgain(wait)

    def wait_before_next(self) -> float | None:
        """Return how long to wait before another attempt, or ``None`` to stop here.

        Another attempt is due after a transient failure of a repeatable call, while
        attempts are left and the wait (``Retry-After`` if the server gave one, else the
        policy's backoff) ends before the deadline. A server that asks for a longer wait
        than the budget has left is not retried before it asked: the caller gets its
        ``UnavailableError`` with the ``retry_after`` at once.
        """
        error = self.outcome.failure() if isinstance(self.outcome, Failure) else None
        if (
            error is None
            or not error.transient
            or not self._call.repeatable
            or self._attempts >= self._policy.attempts
        ):
            return None
        asked = error.retry_after if isinstance(error, UnavailableError) else None
        wait = self._policy.backoff(self._attempts) if asked is None else asked
        return wait if self._clock() + wait < self._deadline else None
