# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The contract a service's own repository keeps, with its own aggregate, tables and tenants.

``RepositoryContract`` proves the adapters with the testing kit's aggregate. This suite proves
what a service wrote: its mapping (nothing lost on the way to its tables and back), its
tables (keys, versions, the outbox in one transaction) and, for a tenant-owned aggregate, that
another tenant reads and writes nothing of it. The service gives the aggregates (a factory,
and optionally a Hypothesis strategy) and a change; the suite sets the request tenant itself.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    comparable,
)
from creativeflow_shared.testing._contract_data import assert_failure

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.application import Repository
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["ServiceRepositoryContract"]

#: A tenant no service's factory makes: the stranger of the isolation cases.
STRANGER = "contract-stranger-tenant"

Aggregates = type["Repository[Any, Any]"]


class ServiceRepositoryContract:
    """Cases every repository a service writes must pass, on every backend it uses.

    Subclass it once per backend (``Test<Repository>On<Backend>``) and provide these fixtures
    (in the class or a ``conftest.py``; pytest names any that is missing):

    * ``harness``: a ``UnitOfWorkHarness`` over an **empty** store with the service's tables
      (the repository's, an outbox), as for ``RepositoryContract``;
    * ``repository_class``: the service's repository, of either style;
    * ``new_aggregate``: a function returning a new aggregate each call, which can be added
      next to the ones before (unique values differ); events it records must reach the outbox;
    * ``change``: a function that changes an aggregate the way a command would (the change
      must be stored: a field the repository keeps, not a private attribute).

    Optionally override ``aggregates``, a Hypothesis strategy of new aggregates (calls of
    ``new_aggregate`` by default), for round trips of every shape it draws.

    For a tenant-owned aggregate (one with a ``tenant_id``), each case runs under the tenant
    the aggregate claims, and the isolation cases under another one. Comparisons are on
    ``model_dump()``: every field, nested values included, compared as values.
    """

    @pytest.fixture
    def aggregates(
        self, new_aggregate: Callable[[], AggregateRoot[Any]]
    ) -> st.SearchStrategy[AggregateRoot[Any]]:
        """The aggregates the round-trip property draws: ``new_aggregate``'s by default."""
        return st.builds(new_aggregate)

    # -- helpers ------------------------------------------------------------------------------
    def as_owner(self, aggregate: AggregateRoot[Any]) -> AbstractContextManager[object]:
        """The request context of the tenant ``aggregate`` claims (none if no tenant owns it)."""
        tenant = self._tenant(aggregate)
        return (
            nullcontext() if tenant is None else use_context(RequestContext.new(tenant_id=tenant))
        )

    def store(
        self, harness: UnitOfWorkHarness, kind: Aggregates, aggregate: AggregateRoot[Any]
    ) -> None:
        """Add ``aggregate`` and commit it, as its owner."""
        with self.as_owner(aggregate), harness.open() as uow:
            uow.repository(kind).add(aggregate)
            assert uow.commit() == Success(None)

    def stored(
        self, harness: UnitOfWorkHarness, kind: Aggregates, aggregate: AggregateRoot[Any]
    ) -> dict[str, Any] | None:
        """What a new unit of work reads of ``aggregate``, as its owner (``None``: nothing)."""
        with self.as_owner(aggregate), harness.open() as uow:
            loaded = uow.repository(kind).get(aggregate.id)
        return self.dump(loaded.unwrap()) if isinstance(loaded, Success) else None

    @staticmethod
    def dump(aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        """Everything an aggregate holds, as Python values (what a round trip must keep).

        Values compare as values: ``Decimal("5.00") == Decimal("5")``, and an aware datetime
        equals the same instant in UTC, as a column of a fixed scale or in UTC gives them back.
        """
        return aggregate.model_dump()

    # -- cases --------------------------------------------------------------------------------
    def test_an_added_aggregate_is_read_back_whole_with_its_events_in_the_outbox(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """Every field survives the mapping; version 1; one outbox row per recorded event."""
        aggregate = new_aggregate()
        recorded = [str(event.event_id) for event in aggregate.pending_events]

        self.store(harness, repository_class, aggregate)

        assert self.stored(harness, repository_class, aggregate) == self.dump(aggregate)
        assert (aggregate.version, aggregate.has_pending_events) == (1, False)
        published = [m for m in harness.outbox_messages() if m.aggregate_id == str(aggregate.id)]
        assert [str(m.id) for m in published] == recorded
        assert {m.aggregate_version for m in published} <= {1}

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def test_any_aggregate_drawn_is_read_back_whole(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        aggregates: st.SearchStrategy[AggregateRoot[Any]],
        data: st.DataObject,
    ) -> None:
        """The round trip keeps every field of every aggregate the strategy draws."""
        aggregate = data.draw(aggregates)
        expected = self.dump(aggregate)

        self.store(harness, repository_class, aggregate)
        loaded = self.stored(harness, repository_class, aggregate)
        with self.as_owner(aggregate), harness.open() as uow:  # the next example starts empty
            uow.repository(repository_class).remove(aggregate)
            assert uow.commit() == Success(None)

        assert loaded == {**expected, "version": 1}

    def test_the_text_of_its_id_finds_it_and_a_value_of_another_type_is_invalid(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """``get`` reads an id from its text (as from a URL) and refuses other types."""
        aggregate = new_aggregate()
        self.store(harness, repository_class, aggregate)

        with self.as_owner(aggregate), harness.open() as uow:
            repository = uow.repository(repository_class)
            by_text = repository.get(str(comparable(aggregate.id))).unwrap()
            by_id = repository.get(aggregate.id).unwrap()
            other_type = repository.get(object())

        assert by_text is by_id
        assert_failure(other_type, InvalidInputError)

    def test_a_change_is_stored_with_the_next_version(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
        change: Callable[[Any], None],
    ) -> None:
        """A loaded, changed and committed aggregate reads back changed, at version 2."""
        aggregate = new_aggregate()
        self.store(harness, repository_class, aggregate)

        with self.as_owner(aggregate), harness.open() as uow:
            loaded = uow.repository(repository_class).get(aggregate.id).unwrap()
            before = self.dump(loaded)
            change(loaded)
            after = self.dump(loaded)
            assert uow.commit() == Success(None)

        assert after != before, "`change` must change a field the repository stores"
        assert self.stored(harness, repository_class, aggregate) == {**after, "version": 2}

    def test_a_change_to_a_stale_copy_is_a_conflict_and_the_first_change_stays(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
        change: Callable[[Any], None],
    ) -> None:
        """Two units of work change one version: the second commit fails and changes nothing."""
        aggregate = new_aggregate()
        self.store(harness, repository_class, aggregate)

        with self.as_owner(aggregate), harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(aggregate.id).unwrap()
            theirs = second.repository(repository_class).get(aggregate.id).unwrap()
            change(mine)
            change(theirs)
            assert first.commit() == Success(None)
            lost = second.commit()
            second.rollback()

        assert_failure(lost, ConcurrencyConflictError)
        assert self.stored(harness, repository_class, aggregate) == self.dump(mine)

    def test_a_removed_aggregate_is_gone(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """After a committed removal, ``get`` is not found and ``exists`` false."""
        aggregate = new_aggregate()
        self.store(harness, repository_class, aggregate)

        with self.as_owner(aggregate), harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(aggregate.id).unwrap())
            assert uow.commit() == Success(None)
            gone, exists = repository.get(aggregate.id), repository.exists(aggregate.id)

        assert_failure(gone, NotFoundError)
        assert exists is False

    def test_find_count_and_page_see_the_owners_aggregates(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """Without a specification, reads return what the owner's tenant stored, no more."""
        first, second = new_aggregate(), new_aggregate()
        for aggregate in (first, second):
            self.store(harness, repository_class, aggregate)
        mine = {str(a.id) for a in (first, second) if self._tenant(a) == self._tenant(first)}

        with self.as_owner(first), harness.open() as uow:
            repository = uow.repository(repository_class)
            found = {str(a.id) for a in repository.find()}
            counted, page = repository.count(), repository.page(limit=1)

        assert found == mine
        assert (counted, page.total, len(page.items)) == (len(mine), len(mine), 1)

    def test_another_tenant_reads_and_writes_nothing_of_a_tenants_aggregate(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """Tenant-owned: a stranger finds nothing and may not write it. Otherwise: all see it."""
        aggregate = new_aggregate()
        self.store(harness, repository_class, aggregate)
        owned = self._tenant(aggregate) is not None

        stranger = RequestContext.new(tenant_id=STRANGER)
        with use_context(stranger), harness.open() as uow:
            repository = uow.repository(repository_class)
            seen = (repository.exists(aggregate.id), len(repository.find()))
            if owned:
                with pytest.raises(ForbiddenError):
                    repository.remove(aggregate)

        assert seen == ((False, 0) if owned else (True, 1))
        assert self.stored(harness, repository_class, aggregate) == self.dump(aggregate)

    def test_a_failed_commit_writes_nothing(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Aggregates,
        new_aggregate: Callable[[], AggregateRoot[Any]],
    ) -> None:
        """A commit that fails (an id stored already) writes none of its aggregates or events."""
        stored = new_aggregate()
        self.store(harness, repository_class, stored)
        fresh = new_aggregate()
        messages = len(harness.outbox_messages())

        if self._tenant(fresh) != self._tenant(stored):  # the stored one's tenant adds both
            fresh = fresh.model_copy(update={"tenant_id": getattr(stored, "tenant_id", None)})

        with self.as_owner(stored), harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(fresh)
            repository.add(stored.model_copy(update={"version": 0}))  # its id is taken
            failed = uow.commit()
            uow.rollback()

        assert isinstance(failed, Failure)
        assert_failure(failed, AlreadyExistsError)
        assert self.stored(harness, repository_class, fresh) is None
        assert len(harness.outbox_messages()) == messages

    @staticmethod
    def _tenant(aggregate: AggregateRoot[Any]) -> str | None:
        tenant = getattr(aggregate, "tenant_id", None)
        return None if tenant is None else str(comparable(tenant))
