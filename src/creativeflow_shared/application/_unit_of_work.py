"""Units of work: one transaction, its repositories, and the events its commit releases.

The logic exists once, in the synchronous ``UnitOfWork``; ``AsyncUnitOfWork`` runs its steps
from async code. At commit the unit of work asks each tracked aggregate's ``RecordWriter``
(made by its repository) to write it, then writes the events to the outbox.
"""

from __future__ import annotations

import contextlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

from returns.result import Failure, Result, Success

from creativeflow_shared.application._context import current_context
from creativeflow_shared.application._inbox import InboxEntry
from creativeflow_shared.application._outbox import outbox_messages, refuse_messages
from creativeflow_shared.application._repository import Repository
from creativeflow_shared.application._tracking import State, TrackedAggregate, Tracker
from creativeflow_shared.domain import (
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
)

if TYPE_CHECKING:
    from types import TracebackType

    from creativeflow_shared.application.ports import StoreProvider
    from creativeflow_shared.domain import AggregateRoot, DomainEvent

__all__ = ["CommitError", "UnitOfWork"]

A = TypeVar("A", bound="AggregateRoot[Any]")
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
R = TypeVar("R", bound=Repository[Any, Any])
T = TypeVar("T")

_LOGGER = logging.getLogger("creativeflow_shared.unit_of_work")

#: What a commit can fail with, as a value.
CommitError: TypeAlias = (
    ConcurrencyConflictError | NotFoundError | AlreadyExistsError | InvalidInputError
)


class UnitOfWork(ABC):
    """One business transaction: a ``with`` block that commits all or nothing.

    Leaving the block without ``commit`` rolls back. On commit the unit of work writes
    every aggregate it tracks that changed (a conditional update on its version), inserts the
    added ones, deletes the removed ones, and writes their recorded events to the outbox, all in
    the same transaction; the committed events are then available to the message bus.

    Backends implement the four transaction hooks; everything else is shared.
    """

    def __init__(self) -> None:
        """Create the unit of work; the transaction starts when the ``with`` block starts."""
        self._tracker = Tracker()
        self._repositories: dict[type, Repository[Any, Any]] = {}
        self._free_events: list[DomainEvent] = []
        self._committed_events: list[DomainEvent] = []
        self._stores: StoreProvider | None = None
        self._last_commit_failed = False
        self._received: list[InboxEntry] = []

    # -- the transaction hooks of a backend ------------------------------------------------
    @abstractmethod
    def _begin(self) -> StoreProvider:
        """Start the transaction and return its stores."""

    @abstractmethod
    def _commit_transaction(self) -> Result[None, CommitError]:
        """Commit the transaction; a constraint checked only now is a ``Failure``."""

    @abstractmethod
    def _rollback_transaction(self) -> None:
        """Roll the transaction back."""

    @abstractmethod
    def _end(self) -> None:
        """Release the transaction's resources, discarding anything not committed."""

    def _start_writes(self) -> None:
        """Begin the writes of a commit (only when there is something to write).

        A backend may send them unchecked, without waiting for each answer, until
        ``_commit_transaction``.
        """
        return  # the in-memory store and SQLite need nothing

    def _replay_checked(self) -> bool:
        """After a failed attempt, roll an unchecked one back and answer ``True`` to replay it.

        The replay writes statement by statement, so the outcome and error are a checked one's.
        """
        return False

    # -- the public protocol ---------------------------------------------------------------
    def __enter__(self) -> Self:
        """Start the transaction."""
        if self._stores is not None:
            msg = "this unit of work is already in use; create one per transaction"
            raise RuntimeError(msg)
        if self._tracker.ended:  # a block before this one: its repositories stay ended
            self._tracker = Tracker()
        self._last_commit_failed = False
        self._stores = self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Discard whatever was not committed and release the transaction.

        Leaving the block normally with work that was never committed (an aggregate added or
        removed, events recorded) logs a warning naming it, unless the last ``commit``
        failed (the caller holds that ``Failure``): call ``rollback`` to discard work on
        purpose. A change made in place without an event is not looked for here (telling it
        would serialise every aggregate read).
        """
        if exc_type is None and not self._last_commit_failed:
            self._warn_uncommitted()
        self._tracker.clear()
        self._tracker.ended = True
        self._free_events.clear()
        self._received.clear()
        try:
            self._end()
        finally:
            self._stores = None
            self._repositories.clear()

    def repository(self, kind: type[R]) -> R:
        """Return the repository ``kind`` bound to this transaction (one instance per type)."""
        repository = self._repositories.get(kind)
        if repository is None:
            repository = kind(self._provider(), self._tracker)
            self._repositories[kind] = repository
        return repository  # type: ignore[return-value] # keyed by its own type above

    def record(self, event: DomainEvent) -> None:
        """Queue an event that belongs to no aggregate; it is stored on commit.

        Raises:
            RuntimeError: Outside the unit of work's ``with`` block.
        """
        self._provider()
        self._free_events.append(event)

    def received(self, message_id: str, consumer: str) -> bool:
        """Whether ``consumer`` handled the message in a committed transaction.

        Raises ``ValueError`` for a message id or consumer the inbox does not keep.
        """
        return self._provider().inbox_store().received(InboxEntry(message_id, consumer))

    def receive(self, message_id: str, consumer: str) -> None:
        """Note that the block's next commit handles the message for ``consumer`` (G4).

        In the block or before it (the message bus notes for each handler). The commit writes
        the note with the effects; if the message was handled already (even by a commit at
        the same time) it fails with ``AlreadyExistsError`` on ``INBOX_RESOURCE``.

        Raises:
            ValueError: If the message id or the consumer is not one the inbox keeps.
        """
        self._received.append(InboxEntry(message_id, consumer))

    def commit(self) -> Result[None, CommitError]:
        """Write every change and its events in one transaction.

        A commit that does not succeed changes nothing: the transaction is rolled back, and
        every tracked aggregate is as it was before the call (version and pending events
        included), as are the events queued with ``record`` and what the unit of work tracks.
        Calling ``commit`` again tries the same work again (it fails again on a conflict);
        ``rollback`` forgets it. After a commit that succeeded, the block goes on in a new
        transaction: a second ``commit`` writes what changed since the first (nothing, and
        no event, if nothing did), and the aggregates stay tracked at their new versions.

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` (someone saved
            a tracked aggregate first), ``NotFoundError`` (a tracked aggregate is no longer
            stored for the tenant), ``AlreadyExistsError`` (an added aggregate's id or unique
            key is taken) or ``InvalidInputError`` (an aggregate or event holds a value no
            store keeps, such as a NUL character or a non-finite number).

        Raises:
            KernelError: A fault a write met (a broken reference, an unavailable database,
                including a connection lost at ``COMMIT``), or whatever else a write raised;
                the transaction is rolled back first and nothing is changed, as after a
                ``Failure``. When the connection is lost at ``COMMIT`` the database may have
                committed: a retry then fails with a conflict or ``AlreadyExistsError``
                rather than storing the work twice.
            ForbiddenError: If a tracked aggregate claims another tenant than the request
                context's.
            RuntimeError: Outside the unit of work's ``with`` block.
        """
        self._provider()  # outside a block there is no transaction to commit
        versions = [(entry.aggregate, entry.aggregate.version) for entry in self._tracker.entries()]
        self._last_commit_failed = True
        try:
            written, committed = self._attempt(versions)
        except BaseException:
            self._undo(versions)
            raise
        if isinstance(committed, Failure):
            self._undo(versions)
            return committed
        self._last_commit_failed = False
        # Stored: only now do the aggregates and the queue let go of their events.
        released = written.unwrap()
        for entry in released.entries:
            entry.aggregate.collect_events()
        del self._free_events[: released.free]
        self._received.clear()
        self._committed_events.extend(released.events)
        self._tracker.committed()
        return Success(None)

    def _warn_uncommitted(self) -> None:
        """Log the work this block leaves uncommitted: added, removed, with events."""
        left = self._tracker.uncommitted()
        if self._free_events:
            left.append(f"{len(self._free_events)} event(s) recorded with record()")
        if left:
            _LOGGER.warning(
                "a unit of work ended without committing %s; commit it, or call rollback() "
                "to discard work on purpose",
                ", ".join(left),
            )

    def rollback(self) -> None:
        """Discard every uncommitted change and forget tracked aggregates.

        Raises:
            RuntimeError: Outside the unit of work's ``with`` block.
        """
        self._provider()
        self._rollback_transaction()
        self._tracker.clear()
        self._free_events.clear()
        self._received.clear()

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        """Return the events of the commits so far, oldest first, and forget them."""
        events, self._committed_events = tuple(self._committed_events), []
        return events

    # -- the shared commit logic -----------------------------------------------------------
    def _provider(self) -> StoreProvider:
        if self._stores is None:
            msg = "use the unit of work inside a `with` block"
            raise RuntimeError(msg)
        return self._stores

    def _attempt(
        self, versions: list[tuple[AggregateRoot[Any], int]]
    ) -> tuple[Result[_Released, CommitError], Result[None, CommitError]]:
        """Write the changes and commit them; replay them checked if the backend asks to."""
        try:
            written, committed = self._write_and_commit()
        except Exception:
            if not self._replay_checked():
                raise
        else:
            if isinstance(committed, Success) or not self._replay_checked():
                return written, committed
        self._restore(versions)  # the unchecked attempt was rolled back: now checked
        return self._write_and_commit()

    def _write_and_commit(self) -> tuple[Result[_Released, CommitError], Result[None, CommitError]]:
        written = self._write_changes()
        if isinstance(written, Failure):
            return written, Failure(written.failure())
        return written, self._commit_transaction()

    def _undo(self, versions: list[tuple[AggregateRoot[Any], int]]) -> None:
        """Leave everything as before a commit that did not succeed.

        The aggregates get their versions back (their events were never taken from them);
        the transaction is rolled back so that the unit of work can be used again. A rollback
        that fails too is not what the caller needs to see: the commit's own outcome is.
        """
        self._restore(versions)
        with contextlib.suppress(Exception):
            self._rollback_transaction()

    @staticmethod
    def _restore(versions: list[tuple[AggregateRoot[Any], int]]) -> None:
        for aggregate, version in versions:
            vars(aggregate)["version"] = version

    def _write_changes(self) -> Result[_Released, CommitError]:
        changed = self._changed_entries()
        if changed or self._free_events or self._received:
            self._start_writes()
        noted = self._note_received()  # first: a message handled before is refused as that
        if isinstance(noted, Failure):
            return noted
        written = self._write_rows(changed)
        if isinstance(written, Failure):
            return written
        return self._write_outbox(changed)

    def _note_received(self) -> Result[None, AlreadyExistsError]:
        try:
            if self._received:
                self._provider().inbox_store().append(self._received)
        except AlreadyExistsError as error:
            return Failure(error)
        return Success(None)

    def _write_rows(self, changed: list[TrackedAggregate]) -> Result[None, CommitError]:
        # Removals first, then changes: both may free a unique value that an insert takes.
        # New aggregates go last, in one statement per repository.
        ordered = [e for e in changed if e.state is State.REMOVED]
        ordered += [e for e in changed if e.state is State.LOADED]
        for entry in ordered:
            written: Result[None, CommitError]
            if entry.state is State.REMOVED:
                written = entry.writer.delete(entry.aggregate)
            else:
                state = entry.written
                written = entry.writer.update(entry.aggregate, state)
            if isinstance(written, Failure):
                return written
        batches: dict[int, list[TrackedAggregate]] = {}
        for entry in changed:
            if entry.state is State.NEW:
                batches.setdefault(id(entry.writer), []).append(entry)
        for batch in batches.values():
            rows = [(entry.aggregate, entry.written) for entry in batch]
            inserted = batch[0].writer.insert(rows)
            if isinstance(inserted, Failure):
                return inserted
        return Success(None)

    def _changed_entries(self) -> list[TrackedAggregate]:
        changed: list[TrackedAggregate] = []
        for entry in self._tracker.entries():
            entry.written = None  # what an earlier, failed commit meant to write is stale
            if entry.state is not State.REMOVED:
                state = entry.writer.snapshot(entry.aggregate)
                unchanged = entry.state is State.LOADED and state == entry.snapshot
                if unchanged and not entry.aggregate.has_pending_events:
                    continue
                entry.written = state
            changed.append(entry)
        return changed

    def _write_outbox(self, changed: list[TrackedAggregate]) -> Result[_Released, CommitError]:
        # The events stay pending on their aggregates (and in the queue) until the commit
        # succeeds: a commit that fails leaves them where a retry finds them.
        recorded = [
            (e, e.aggregate.pending_events) for e in changed if e.aggregate.has_pending_events
        ]
        free = tuple(self._free_events)
        if not free and not recorded:
            return _NOTHING_RELEASED
        released = _Released([entry for entry, _ in recorded], len(free))
        messages = outbox_messages(
            [
                (entry.aggregate.version if entry.state is not State.REMOVED else None, events)
                for entry, events in recorded
            ],
            free,
            current_context(),  # one context for the whole commit
        )
        released.events += [e for _, events in recorded for e in events]
        released.events += free
        refused = refuse_messages(messages)
        if refused is not None:
            return Failure(refused)
        try:
            self._provider().outbox_store().append(messages)
        except AlreadyExistsError as error:  # an event committed before, in another commit
            return Failure(error)
        return Success(released)


@dataclass(slots=True)
class _Released:
    """What a commit takes from the aggregates and the queue once it has succeeded."""

    entries: list[TrackedAggregate]
    free: int
    events: list[DomainEvent] = field(default_factory=list["DomainEvent"])


#: A commit that writes no event releases nothing (shared: it is never changed).
_NOTHING_RELEASED: Success[_Released] = Success(_Released([], 0))
