"""``ServiceRepositoryContract`` over repositories a service writes, on every backend.

Two repositories as a service would write them: a tenant-owned document repository with a
unique key and nested values, and a data-mapper repository with child rows keyed by tenant and
id. The suite runs each in memory, on SQLite and on PostgreSQL, sync and async; a second part
proves that the suite fails a repository whose mapping loses a field, and one whose ``change``
changes nothing stored.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from hypothesis import strategies as st
from pydantic import AwareDatetime
from sqlalchemy import ForeignKeyConstraint, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import (
    AggregateRoot,
    DomainEvent,
    Identity,
    Money,
    ValueObject,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    UtcDateTime,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import (
    ServiceRepositoryContract,
    SyncHarness,
    money,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


# -- a tenant-owned document aggregate -----------------------------------------------------------
class NotificationId(Identity):
    pass


class Recipient(ValueObject):
    address: str
    locale: str = "en"


class NotificationQueued(DomainEvent, event_type="tests.service_contract.notification_queued"):
    notification_id: str


class Notification(AggregateRoot[NotificationId]):
    tenant_id: str
    recipient: Recipient
    subject: str
    cost: Money
    attempts: int = 0

    @classmethod
    def queue(cls, tenant_id: str, address: str, subject: str, cost: Money) -> Notification:
        notification = cls(
            id=NotificationId.new(),
            tenant_id=tenant_id,
            recipient=Recipient(address=address),
            subject=subject,
            cost=cost,
        )
        notification.record(NotificationQueued(notification_id=str(notification.id)))
        return notification

    def retry(self) -> None:
        self.attempts += 1


class NotificationRepository(DocumentRepository[Notification, NotificationId]):
    projections = (project("recipient.address", unique=True), project("attempts"))


# -- a data-mapper aggregate with child rows, keyed by tenant and id -----------------------------
class PlaylistId(Identity):
    pass


class Track(ValueObject):
    title: str
    seconds: int


class Playlist(AggregateRoot[PlaylistId]):
    tenant_id: str
    name: str
    price: Decimal = Decimal(0)
    published_at: AwareDatetime | None = None
    tracks: tuple[Track, ...] = ()

    def append(self, track: Track) -> None:
        self.tracks = (*self.tracks, track)


class _Rows(DeclarativeBase):
    metadata = MetaData()


class TrackRow(_Rows):
    __tablename__ = "service_contract_tracks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "playlist_id"],
            ["service_contract_playlists.tenant_id", "service_contract_playlists.id"],
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    playlist_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[int]


class PlaylistRow(_Rows):
    __tablename__ = "service_contract_playlists"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    # Values come back as the column keeps them: 5 as 5.00, 12:00+02:00 as 10:00 UTC.
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    tracks: Mapped[list[TrackRow]] = relationship(
        cascade="all, delete-orphan",
        order_by=TrackRow.position,
    )


class PlaylistRepository(DataMapperRepository[Playlist, PlaylistId, PlaylistRow]):
    identity = ("tenant_id", "id")
    columns: ClassVar[Mapping[str, Any]] = {
        "id": PlaylistRow.id,
        "tenant_id": PlaylistRow.tenant_id,
        "name": PlaylistRow.name,
    }

    @override
    def to_row(self, aggregate: Playlist) -> PlaylistRow:
        return PlaylistRow(
            tenant_id=aggregate.tenant_id,
            id=aggregate.id.value,
            name=aggregate.name,
            price=aggregate.price,
            published_at=aggregate.published_at,
            tracks=[
                TrackRow(
                    tenant_id=aggregate.tenant_id,
                    playlist_id=aggregate.id.value,
                    position=position,
                    title=track.title,
                    seconds=track.seconds,
                )
                for position, track in enumerate(aggregate.tracks)
            ],
        )

    @override
    def to_domain(self, row: PlaylistRow) -> Playlist:
        return Playlist(
            id=PlaylistId(row.id),
            tenant_id=row.tenant_id,
            name=row.name,
            price=row.price,
            published_at=row.published_at,
            tracks=tuple(Track(title=t.title, seconds=t.seconds) for t in row.tracks),
        )


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = _Rows.metadata
    if "service_contract_notifications" not in tables.tables:
        document_table(tables, NotificationRepository, name="service_contract_notifications")
        document_table(tables, PresetRepository, name="service_contract_presets")
        outbox_table(tables, name="service_contract_outbox")
    return tables


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


_TENANTS = itertools.cycle(["tenant-a", "tenant-b"])


def _new_notification() -> Notification:
    # Two tenants in turn: the cases must hold when consecutive aggregates belong to others.
    address = f"{uuid.uuid4().hex}@example.com"
    return Notification.queue(next(_TENANTS), address, "Your render is ready", Money.of(1, "EUR"))


def _new_playlist() -> Playlist:
    return Playlist(
        id=PlaylistId.new(),
        tenant_id="tenant-a",
        name="Night drive",
        price=Decimal(5),
        published_at=datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
        tracks=(Track(title="Intro", seconds=61), Track(title="Tunnel", seconds=245)),
    )


# The suite's ``harness`` is the suite-wide fixture: every backend in turn, emptied per test.
class TestNotificationRepository(ServiceRepositoryContract):
    @pytest.fixture
    def repository_class(self) -> type[NotificationRepository]:
        return NotificationRepository

    @pytest.fixture
    def new_aggregate(self) -> Callable[[], Notification]:
        return _new_notification

    @pytest.fixture
    def change(self) -> Callable[[Notification], None]:
        return Notification.retry

    @pytest.fixture
    @override
    def aggregates(self) -> st.SearchStrategy[Notification]:
        return st.builds(
            Notification.queue,
            tenant_id=st.sampled_from(["tenant-a", "tenant-b"]),
            address=st.uuids().map(lambda u: f"{u.hex}@example.com"),
            subject=_TEXT,
            cost=money(),
        )


class TestPlaylistRepository(ServiceRepositoryContract):
    @pytest.fixture
    def repository_class(self) -> type[PlaylistRepository]:
        return PlaylistRepository

    @pytest.fixture
    def new_aggregate(self) -> Callable[[], Playlist]:
        return _new_playlist

    @pytest.fixture
    def change(self) -> Callable[[Playlist], None]:
        return lambda playlist: playlist.append(Track(title="Outro", seconds=90))

    @pytest.fixture
    @override
    def aggregates(self) -> st.SearchStrategy[Playlist]:
        tracks = st.builds(
            Track, title=_TEXT.filter(lambda t: len(t) <= 200), seconds=st.integers(0, 2**31 - 1)
        )
        return st.builds(
            Playlist,
            id=st.builds(PlaylistId.new),
            tenant_id=st.sampled_from(["tenant-a", "tenant-b"]),
            name=_TEXT,
            tracks=st.lists(tracks, max_size=4).map(tuple),
        )


# -- an aggregate no tenant owns, with the suite's default strategy ------------------------------
class PresetId(Identity):
    pass


class Preset(AggregateRoot[PresetId]):
    name: str
    steps: int


class PresetRepository(DocumentRepository[Preset, PresetId]):
    projections = (project("name", unique=True),)


def _new_preset() -> Preset:
    return Preset(id=PresetId.new(), name=f"preset-{uuid.uuid4().hex}", steps=30)


def _more_steps(preset: Preset) -> None:
    preset.steps += 10


class TestPresetRepository(ServiceRepositoryContract):
    @pytest.fixture
    def repository_class(self) -> type[PresetRepository]:
        return PresetRepository

    @pytest.fixture
    def new_aggregate(self) -> Callable[[], Preset]:
        return _new_preset

    @pytest.fixture
    def change(self) -> Callable[[Preset], None]:
        return _more_steps


# -- the suite fails what it should -----------------------------------------------------------
class LossyPlaylistRepository(PlaylistRepository):
    """Forgets the last track on the way back: the round-trip cases must catch it."""

    @override
    def to_domain(self, row: PlaylistRow) -> Playlist:
        playlist = super().to_domain(row)
        return playlist.model_copy(update={"tracks": playlist.tracks[:-1]})


def test_the_suite_fails_a_mapping_that_loses_a_value() -> None:
    with pytest.raises(AssertionError):
        TestPlaylistRepository().test_an_added_aggregate_is_read_back_whole_with_its_events_in_the_outbox(
            SyncHarness.in_memory(), LossyPlaylistRepository, _new_playlist
        )


def test_the_suite_fails_a_change_that_changes_nothing_stored() -> None:
    suite = TestNotificationRepository()

    with pytest.raises(AssertionError, match="must change a field"):
        suite.test_a_change_is_stored_with_the_next_version(
            SyncHarness.in_memory(),
            NotificationRepository,
            _new_notification,
            lambda notification: None,
        )
