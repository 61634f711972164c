# The suites are tests shipped as library code: pytest's assertions are their language, and
# literal expected values read better than named constants.
# ruff: noqa: S101

"""The claiming rule's cases that every relay store must pass, whichever way it implements it.

``claim_runs`` states the rule; a store may apply it in its own query language (the
PostgreSQL store does it in SQL, in one statement), so the rule's corners are cases here:
how a batch's room is shared among the heads, and where a run stops.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from creativeflow_shared.application.ports import FailedMessage
from creativeflow_shared.testing._relay_contract_support import (
    T0,
    RelayStoreHarness,
    claim,
    ids,
    message,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from creativeflow_shared.application import OutboxMessage

__all__ = ["RelayClaimContract"]


class RelayClaimContract:
    """How a claim shares a batch among aggregates (part of ``RelayStoreContract``)."""

    def test_a_batch_is_shared_evenly_among_the_heads_the_first_ones_taking_the_rest(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A batch is shared evenly among the heads, the first ones taking what is left."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a, b, c = ([message(name, v) for v in range(1, 6)] for name in "abc")
            relay_outbox.add([*c, *b, *a])  # served oldest head first: a, then b, then c
            claimed = await claim(relay_outbox.store, "r1", limit=8)  # 3 heads, 5 to share
            assert ids(claimed) == ids_of([*a[:3], *b[:3], *c[:2]])

        asyncio.run(scenario())

    def test_a_run_stops_at_the_first_message_not_due_and_leaves_its_room_unused(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A run stops at the first message not due; its room is not given to another run."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            later = T0 + timedelta(minutes=1)
            a = [message("a", 1), message("a", 2), message("a", 3, at=later), message("a", 4)]
            b = [message("b", v) for v in range(1, 6)]
            relay_outbox.add([*a, *b])
            claimed = await claim(relay_outbox.store, "r1", limit=8)  # 2 heads: 4 rows each
            assert ids(claimed) == ids_of([*a[:2], *b[:4]])
            assert ids(await claim(relay_outbox.store, "r2")) == []  # both aggregates held

        asyncio.run(scenario())

    def test_a_run_stops_at_a_dead_message_behind_its_head(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A run stops at a dead message behind its head: what follows it waits."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            store = relay_outbox.store
            unversioned = message("a", None)
            relay_outbox.add([unversioned])
            await claim(store, "r1")
            failure = FailedMessage(id=unversioned.id, error="poison", retry_at=None)
            await store.mark_failed("r1", [failure])  # dead
            later, first = message("a", None), message("a", 1)  # first: before the dead one
            relay_outbox.add([later, first])
            assert ids(await claim(store, "r2")) == [first.id]  # not ``later``, past the dead

        asyncio.run(scenario())

    def test_more_heads_than_room_serves_the_oldest_heads_one_message_each(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """With more due heads than room, the oldest heads are served, one message each."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            older = T0 - timedelta(seconds=5)
            young = [message(name, 1) for name in "xyz"]
            old = [message(name, 1, at=older) for name in "ab"]
            behind = message("a", 2, at=older)
            relay_outbox.add([*young, *old, behind])
            claimed = await claim(relay_outbox.store, "r1", limit=3)
            assert ids(claimed) == ids_of([old[0], old[1], young[0]])

        asyncio.run(scenario())


def ids_of(messages: Sequence[OutboxMessage]) -> list[UUID]:
    """The ids of ``messages``, in order."""
    return [item.id for item in messages]
