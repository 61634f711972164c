"""The contract suite every repository must pass, composed of one set of cases per topic."""

from __future__ import annotations

from creativeflow_shared.testing._repository_children import ChildrenCases
from creativeflow_shared.testing._repository_hostile_input import HostileInputCases
from creativeflow_shared.testing._repository_ids import IdCases
from creativeflow_shared.testing._repository_pages import PageCases
from creativeflow_shared.testing._repository_reading import ReadingCases
from creativeflow_shared.testing._repository_versions import VersionCases
from creativeflow_shared.testing._repository_writing import WritingCases

__all__ = ["RepositoryContract"]


class RepositoryContract(
    ReadingCases,
    IdCases,
    PageCases,
    WritingCases,
    VersionCases,
    ChildrenCases,
    HostileInputCases,
):
    """What every repository does, of either storage style, whatever stores it.

    Run it as ``Test<Adapter>``. The cases store ``ContractItem`` (with its ``ContractPart``
    children) through any ``Repository[ContractItem, ContractItemId]``: the document repository
    ``ContractItemRepository`` by default, or the data-mapper repository
    ``ContractItemMapperRepository`` (rows ``ContractItemRow`` and ``ContractPartRow``), so both
    storage styles are held to one behaviour. Each case is written once against the sync-style
    ``UnitOfWorkFacade``, which ``SyncHarness`` and ``AsyncHarness`` serve alike.

    A service runs the suite against its own backend by subclassing it and providing a
    ``harness`` fixture::

        class TestOrdersOnPostgreSQL(RepositoryContract):
            @pytest.fixture
            def harness(self, postgres_engine: Engine) -> Iterator[UnitOfWorkHarness]:
                metadata = MetaData()
                document_table(metadata, ContractItemRepository)
                outbox_table(metadata)
                metadata.create_all(postgres_engine)
                harness = SyncHarness.sqlalchemy(postgres_engine, metadata)
                yield harness
                harness.close()
                metadata.drop_all(postgres_engine)

    and, for the data-mapper style, by naming the repository too (its rows' ``MetaData``
    already holds an outbox table)::

        class TestRowsOnPostgreSQL(RepositoryContract):
            @pytest.fixture
            def repository_class(self) -> type[ContractItemMapperRepository]:
                return ContractItemMapperRepository

            @pytest.fixture
            def harness(self, postgres_engine: Engine) -> Iterator[UnitOfWorkHarness]:
                metadata = ContractItemRow.metadata
                metadata.create_all(postgres_engine)
                harness = SyncHarness.sqlalchemy(postgres_engine, metadata)
                yield harness
                harness.close()
                metadata.drop_all(postgres_engine)

    Fixtures a subclass provides or overrides (``UnitOfWorkContract`` takes the same):

    * ``harness`` (required): a ``UnitOfWorkHarness`` over an **empty** store whose tables
      include those of ``repository_class`` and an outbox.
    * ``repository_class`` (optional): the repository under test, any
      ``Repository[ContractItem, ContractItemId]``; ``ContractItemRepository`` unless
      overridden. Override it with ``ContractItemMapperRepository`` to prove the data-mapper
      style, or with a subclass of either built on the service's own repository base to prove
      that the subclass keeps the repository's behaviour.
    """
