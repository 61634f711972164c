"""Children keyed by the database, and children of children: what changes to them store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import pytest
from returns.result import Success
from sqlalchemy import ForeignKey, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.domain import AggregateRoot, Identity, ValueObject
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    SQLAlchemyUnitOfWork,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryDatabase, InMemoryUnitOfWork

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from sqlalchemy import Engine

    from creativeflow_shared.application import UnitOfWork


class PlaylistId(Identity):
    """The id of a playlist."""


class Track(ValueObject):
    title: str
    tags: tuple[str, ...] = ()


class Playlist(AggregateRoot[PlaylistId]):
    name: str
    tracks: tuple[Track, ...] = ()


class _Rows(DeclarativeBase):
    metadata = MetaData()


class TagRow(_Rows):
    __tablename__ = "dm_keys_tags"

    track_id: Mapped[int] = mapped_column(ForeignKey("dm_keys_tracks.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(32))


class TrackRow(_Rows):
    """A child row keyed by the database; its place in the playlist is unique."""

    __tablename__ = "dm_keys_tracks"
    __table_args__ = (UniqueConstraint("playlist_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    playlist_id: Mapped[UUID] = mapped_column(ForeignKey("dm_keys_playlists.id"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(32))
    tags: Mapped[list[TagRow]] = relationship(
        cascade="all, delete-orphan", order_by=TagRow.position
    )


class PlaylistRow(_Rows):
    __tablename__ = "dm_keys_playlists"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(32))
    tracks: Mapped[list[TrackRow]] = relationship(
        cascade="all, delete-orphan", order_by=TrackRow.position
    )


outbox_table(_Rows.metadata, name="dm_keys_outbox")


class Playlists(DataMapperRepository[Playlist, PlaylistId, PlaylistRow]):
    columns: ClassVar[Mapping[str, Any]] = {}

    @override
    def to_row(self, aggregate: Playlist) -> PlaylistRow:
        return PlaylistRow(
            id=aggregate.id.value,
            name=aggregate.name,
            tracks=[
                TrackRow(
                    position=n,
                    title=track.title,
                    tags=[TagRow(position=i, text=tag) for i, tag in enumerate(track.tags)],
                )
                for n, track in enumerate(aggregate.tracks)
            ],
        )

    @override
    def to_domain(self, row: PlaylistRow) -> Playlist:
        tracks = tuple(
            Track(title=track.title, tags=tuple(tag.text for tag in track.tags))
            for track in row.tracks
        )
        return Playlist(id=PlaylistId(row.id), name=row.name, tracks=tracks)


class KeyedPlaylists(Playlists):
    """Sets the track rows' keys itself: stored tracks are matched, not replaced."""

    @override
    def to_row(self, aggregate: Playlist) -> PlaylistRow:
        row = super().to_row(aggregate)
        for n, track in enumerate(row.tracks):
            track.id = 1000 + n
            for tag in track.tags:
                tag.track_id = track.id
        return row


@pytest.fixture(params=["sqlite", "postgresql", "in-memory"])
def make_uow(request: pytest.FixtureRequest) -> Iterator[Callable[[], UnitOfWork]]:
    """Units of work on each backend, over the playlists' tables."""
    if request.param == "in-memory":
        database = InMemoryDatabase()
        yield lambda: InMemoryUnitOfWork(database)
        return
    name = "unit_sqlite_engine" if request.param == "sqlite" else "unit_postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    _Rows.metadata.drop_all(engine)
    _Rows.metadata.create_all(engine)
    yield lambda: SQLAlchemyUnitOfWork(engine, _Rows.metadata)
    _Rows.metadata.drop_all(engine)


def _tracks(*titles: str) -> tuple[Track, ...]:
    return tuple(Track(title=title, tags=(f"{title}-a", f"{title}-b")) for title in titles)


def _drop_first(tracks: tuple[Track, ...]) -> tuple[Track, ...]:
    return tracks[1:]  # every place moves up


def _drop_middle(tracks: tuple[Track, ...]) -> tuple[Track, ...]:
    return tracks[:1] + tracks[2:]


def _replace_last(tracks: tuple[Track, ...]) -> tuple[Track, ...]:
    return (*tracks[:2], Track(title="new"))


def _retag_first(tracks: tuple[Track, ...]) -> tuple[Track, ...]:
    return (Track(title=tracks[0].title, tags=("kept",)), *tracks[1:])


def _drop_all(_: tuple[Track, ...]) -> tuple[Track, ...]:
    return ()


@pytest.mark.parametrize("repository", [Playlists, KeyedPlaylists], ids=["generated", "keyed"])
@pytest.mark.parametrize(
    "change",
    [_drop_first, _drop_middle, _replace_last, _retag_first, _drop_all],
    ids=["drop first", "drop middle", "replace last", "retag first", "drop all"],
)
def test_a_change_to_children_is_stored_whatever_keys_their_rows(
    make_uow: Callable[[], UnitOfWork],
    repository: type[Playlists],
    change: Callable[[tuple[Track, ...]], tuple[Track, ...]],
) -> None:
    playlist = Playlist(id=PlaylistId.new(), name="road", tracks=_tracks("a", "b", "c"))
    with make_uow() as uow:
        uow.repository(repository).add(playlist)
        assert uow.commit() == Success(None)

    with make_uow() as uow:
        loaded = uow.repository(repository).get(playlist.id).unwrap()
        loaded.tracks = change(loaded.tracks)
        committed = uow.commit()
    with make_uow() as uow:
        stored = uow.repository(repository).get(playlist.id).unwrap()

    assert committed == Success(None)
    assert (stored.tracks, stored.version) == (change(playlist.tracks), 2)


class NamesOnly(Playlists):
    """Writes the root row alone: ``to_row`` leaves the tracks out."""

    @override
    def to_row(self, aggregate: Playlist) -> PlaylistRow:
        return PlaylistRow(id=aggregate.id.value, name=aggregate.name)


def test_children_a_row_leaves_out_are_left_as_stored(unit_engine: Engine) -> None:
    # A database matter: the in-memory store keeps exactly the rows ``to_row`` returns.
    engine = unit_engine
    _Rows.metadata.drop_all(engine)
    _Rows.metadata.create_all(engine)
    playlist = Playlist(id=PlaylistId.new(), name="road", tracks=_tracks("a", "b"))
    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        uow.repository(Playlists).add(playlist)
        assert uow.commit() == Success(None)

    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        uow.repository(NamesOnly).get(playlist.id).unwrap().name = "trip"
        renamed = uow.commit()
    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        stored = uow.repository(Playlists).get(playlist.id).unwrap()
    _Rows.metadata.drop_all(engine)

    assert renamed == Success(None)
    assert (stored.name, stored.tracks) == ("trip", playlist.tracks)
