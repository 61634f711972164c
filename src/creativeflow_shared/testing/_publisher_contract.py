# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The contract suite every event publisher must pass: confirms, refusals, ids, no raising."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.application.ports import PublishOutcome
from creativeflow_shared.domain import utc_now, uuid7

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractAsyncContextManager
    from uuid import UUID

    from creativeflow_shared.application.ports import EventPublisher

__all__ = ["PublisherContract", "PublisherHarness"]


class PublisherHarness(Protocol):
    """What ``PublisherContract`` needs of an adapter: a publisher, and what reached consumers.

    ``open`` and ``delivered`` are called inside one event loop (one ``asyncio.run`` per
    test), so a harness may open broker connections in ``open``.
    """

    @property
    def routed_type(self) -> str:
        """An event type the publisher delivers (a queue is bound to it)."""
        ...

    @property
    def unroutable_type(self) -> str:
        """An event type the publisher cannot deliver (no queue is bound to it)."""
        ...

    def open(self) -> AbstractAsyncContextManager[EventPublisher]:
        """Return a context that yields a ready publisher, and closes it on leaving."""
        ...

    async def delivered(self) -> list[UUID]:
        """Return the ids of what reached a consumer since ``open``, in order, repeats included."""
        ...


def _message(event_type: str, number: int) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="contract_item",
        aggregate_id=str(uuid7()),
        aggregate_version=1,
        event_type=event_type,
        schema_version=1,
        payload={"number": number},
        headers={"correlation_id": "publisher-contract"},
        occurred_at=utc_now(),
    )


class PublisherContract:
    """What every ``EventPublisher`` does (run as ``Test<Adapter>``).

    A confirmed message reached a consumer with its id; a message the broker cannot route
    is a failure with a reason, never an exception and never a confirm; an empty batch is
    an empty outcome; every id of the outcome is one of the batch's. Subclass it and provide
    a ``publisher_harness`` fixture that returns a ``PublisherHarness``.
    """

    @staticmethod
    def publish(
        harness: PublisherHarness, *batches: Sequence[OutboxMessage]
    ) -> tuple[list[PublishOutcome], list[UUID]]:
        """Publish each batch in turn through a fresh publisher; return the outcomes and ids."""

        async def scenario() -> tuple[list[PublishOutcome], list[UUID]]:
            """Open the publisher, publish the batches, and collect what arrived."""
            async with harness.open() as publisher:
                outcomes = [await publisher.publish(batch) for batch in batches]
                return outcomes, await harness.delivered()

        return asyncio.run(scenario())

    def test_confirms_and_delivers_every_message_of_a_batch(
        self, publisher_harness: PublisherHarness
    ) -> None:
        """Every message of a batch is confirmed, and reached a consumer under its id."""
        batch = [_message(publisher_harness.routed_type, number) for number in range(5)]

        [outcome], delivered = self.publish(publisher_harness, batch)

        ids = {message.id for message in batch}
        assert outcome == PublishOutcome(confirmed=frozenset(ids), failures={})
        assert sorted(delivered) == sorted(ids)

    def test_an_unroutable_message_is_a_failure_not_an_exception(
        self, publisher_harness: PublisherHarness
    ) -> None:
        """A message nothing can receive fails with a reason; the rest of its batch is sent."""
        routed = _message(publisher_harness.routed_type, 1)
        unroutable = _message(publisher_harness.unroutable_type, 2)

        [outcome], delivered = self.publish(publisher_harness, [unroutable, routed])

        assert outcome.confirmed == frozenset({routed.id})
        assert list(outcome.failures) == [unroutable.id]
        assert outcome.failures[unroutable.id].strip() != ""
        assert delivered == [routed.id]

    def test_an_empty_batch_is_an_empty_outcome(self, publisher_harness: PublisherHarness) -> None:
        """Publishing nothing confirms nothing, fails nothing and sends nothing."""
        [outcome], delivered = self.publish(publisher_harness, [])

        assert outcome == PublishOutcome(confirmed=frozenset(), failures={})
        assert delivered == []

    def test_every_message_is_either_confirmed_or_failed_under_its_own_id(
        self, publisher_harness: PublisherHarness
    ) -> None:
        """The outcome names each message of the batch once, and no other."""
        batch = [
            _message(
                publisher_harness.unroutable_type
                if number % 3 == 0
                else publisher_harness.routed_type,
                number,
            )
            for number in range(12)
        ]

        [outcome], _ = self.publish(publisher_harness, batch)

        failed = set(outcome.failures)
        assert outcome.confirmed.isdisjoint(failed)
        assert outcome.confirmed | failed == {message.id for message in batch}
        assert failed == {m.id for m in batch if m.event_type == publisher_harness.unroutable_type}

    def test_a_message_published_again_is_confirmed_and_delivered_again(
        self, publisher_harness: PublisherHarness
    ) -> None:
        """Publishing is at least once: a relay that publishes a message twice sends it twice."""
        message = _message(publisher_harness.routed_type, 7)

        outcomes, delivered = self.publish(publisher_harness, [message], [message])

        assert [outcome.confirmed for outcome in outcomes] == [frozenset({message.id})] * 2
        assert delivered == [message.id, message.id]
