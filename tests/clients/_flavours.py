"""Sending one call with the sync or the async client: the tests run every scenario on both."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, TypeVar

import httpx

from creativeflow_shared.clients import AsyncServiceClient, CallPolicy, ServiceClient

if TYPE_CHECKING:
    from returns.result import Result

    from creativeflow_shared.clients import ServiceCall
    from creativeflow_shared.domain import KernelError

M = TypeVar("M")
Flavour = Literal["sync", "async"]
FLAVOURS: list[Flavour] = ["sync", "async"]

#: Quick retries for the tests, with timeouts generous enough for a busy machine.
QUICK = CallPolicy(
    attempts=3, attempt_timeout=10, total_timeout=20, first_delay=0.01, max_delay=0.05
)


class JobsClient(ServiceClient):
    service = "jobs"


class AsyncJobsClient(AsyncServiceClient):
    service = "jobs"


def send(
    flavour: Flavour, base_url: str, call: ServiceCall[M], policy: CallPolicy = QUICK
) -> Result[M, KernelError]:
    """Send ``call`` to ``base_url`` with a fresh client of ``flavour``."""
    if flavour == "sync":
        with httpx.Client(base_url=base_url) as http:
            return JobsClient(http, policy=policy).send(call)
    return asyncio.run(_send_async(base_url, call, policy))


async def _send_async(
    base_url: str, call: ServiceCall[M], policy: CallPolicy
) -> Result[M, KernelError]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await AsyncJobsClient(http, policy=policy).send(call)
