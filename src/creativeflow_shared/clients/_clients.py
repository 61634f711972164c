"""The bases a service's client subclasses: ``ServiceClient`` (sync) and ``AsyncServiceClient``.

Both run the same ``Exchange``; they differ only in sending with ``httpx.Client`` or awaiting
``httpx.AsyncClient``, and in iterating stamina's attempts with ``for`` or ``async for``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

import httpx

from creativeflow_shared.clients._exchange import Exchange, TryAgain
from creativeflow_shared.clients._policy import CallPolicy

if TYPE_CHECKING:
    from returns.result import Result

    from creativeflow_shared.clients._call import ServiceCall
    from creativeflow_shared.domain import KernelError

__all__ = ["AsyncServiceClient", "ServiceClient"]

M = TypeVar("M")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


class _Client(Generic[HttpT]):
    """What both flavours hold: the HTTP client, the policy, the name of the service."""

    #: The name of the service called, in its errors (``"jobs is unavailable"``).
    service: ClassVar[str] = "remote service"

    def __init__(self, http: HttpT, *, policy: CallPolicy | None = None) -> None:
        """Call through ``http`` (its base URL, auth, limits, transport) under ``policy``.

        The HTTP client stays the caller's: close it when the service shuts down.
        """
        self._http: HttpT = http
        self.policy = CallPolicy() if policy is None else policy

    def _exchange(self, call: ServiceCall[M]) -> Exchange[M]:
        return Exchange(call, self.policy, self.service)


class ServiceClient(_Client[httpx.Client]):
    """The base of a service's client over ``httpx.Client``; every call returns a ``Result``.

    A service subclasses it, names the service, and writes one typed method per endpoint::

        class JobsClient(ServiceClient):
            service = "jobs"

            def get_job(self, job_id: str) -> Result[Job, KernelError]:
                return self.send(call("GET", f"/jobs/{job_id}", Job))
    """

    def send(self, call: ServiceCall[M]) -> Result[M, KernelError]:
        """Send ``call``, trying it again as the policy allows, and read its answer.

        The request carries the current request context (correlation id, trace context,
        tenant). Nothing a server or the network does makes it raise.

        Returns:
            ``Success`` with the body read into the call's model; or ``Failure`` with the
            error of the last attempt: ``UnavailableError`` (transient: a network error, a
            timeout, 429, 502, 503, 504), the error a problem details answer describes
            (``NotFoundError``, ``ConcurrencyConflictError``, ``InvalidInputError``...),
            ``InvalidInputError`` for a body that is not a valid model, or a plain
            ``KernelError`` for any other answer.
        """
        exchange = self._exchange(call)
        with contextlib.suppress(TryAgain):  # stamina stopped first (its testing mode)
            for attempt in exchange.retrying():
                with attempt, exchange.sending(self._http) as request:
                    exchange.settle(self._http.send(request))
        return exchange.outcome


class AsyncServiceClient(_Client[httpx.AsyncClient]):
    """The base of a service's client over ``httpx.AsyncClient`` (see ``ServiceClient``)."""

    async def send(self, call: ServiceCall[M]) -> Result[M, KernelError]:
        """Send ``call`` and read its answer, as ``ServiceClient.send`` does.

        Returns:
            ``Success`` with the body read into the call's model, or ``Failure`` with the
            error of the last attempt (see ``ServiceClient.send``).
        """
        exchange = self._exchange(call)
        with contextlib.suppress(TryAgain):
            async for attempt in exchange.retrying():
                with attempt, exchange.sending(self._http) as request:
                    exchange.settle(await self._http.send(request))
        return exchange.outcome
