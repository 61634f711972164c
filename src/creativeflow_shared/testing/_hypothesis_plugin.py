"""The Hypothesis plugin: teaches ``st.from_type`` the kernel's values and typed identities.

Hypothesis runs ``register_strategies`` through its ``hypothesis`` entry point while it is
itself being imported, and importing this kit may be what imports Hypothesis first. So this
module imports neither Hypothesis nor the strategies module at its top: either may be only
partly initialised when the hook runs. The registered functions look the strategies up when
``st.from_type`` resolves a type, by which time every module has finished importing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from pydantic import AwareDatetime

from creativeflow_shared.domain import (
    Currency,
    Email,
    Identity,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    TimeRange,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from hypothesis.strategies import SearchStrategy

__all__ = ["register_strategies"]

T = TypeVar("T")

#: The types this plugin has registered; it never registers one twice.
_registered: set[type[object]] = set()


def register_strategies() -> None:
    """Register the kernel's strategies so that ``st.from_type`` resolves its types.

    Covers ``Currency``, ``Email``, ``Money``, ``NonEmptyStr``, ``Percentage``, ``Slug``,
    ``TimeRange``, pydantic's ``AwareDatetime``, and every ``Identity`` subclass defined so
    far (Hypothesis looks strategies up by exact type, so each id type is registered on its
    own). Hypothesis calls this through its ``hypothesis`` entry point when it is imported, and
    the kit's strategies module calls it when first used; call it again after defining id
    types if ``st.from_type`` must resolve them (``events`` does so by itself).

    Registering is idempotent: a type registered once is left alone afterwards, so a strategy
    that you register yourself for one of these types stays in force.
    """
    # The strategies module may be half-way through its import here (see the module docstring).
    from creativeflow_shared.testing import _strategies as kit  # noqa: PLC0415 (deferred, above)

    _register(Currency, lambda _: kit.currencies())
    _register(Email, lambda _: kit.emails())
    _register(Money, lambda _: kit.money())
    _register(NonEmptyStr, lambda _: kit.non_empty_strs())
    _register(Percentage, lambda _: kit.percentages())
    _register(Slug, lambda _: kit.slugs())
    _register(TimeRange, lambda _: kit.time_ranges())
    # To type checkers ``AwareDatetime`` is ``Annotated[datetime, ...]``; at runtime it is the
    # marker class that pydantic leaves in annotations, the one ``st.from_type`` is asked for.
    aware_datetime: object = AwareDatetime
    _register(cast("type[datetime]", aware_datetime), lambda _: kit.aware_datetimes())
    for id_type in _identity_types():
        # A lambda, not ``kit.identities`` itself, which may not be defined yet (see above).
        _register(id_type, lambda requested: kit.identities(requested))  # noqa: PLW0108 (above)


def _register(value_type: type[T], strategy: Callable[[type[T]], SearchStrategy[T]]) -> None:
    # Hypothesis imports its ``strategies`` module before it runs plugins, so this succeeds
    # even while Hypothesis is initialising (see the module docstring).
    from hypothesis import strategies as st  # noqa: PLC0415 (deferred, above)

    if value_type in _registered:
        return
    # A function rather than a strategy: Hypothesis would otherwise build the strategy now to
    # check that it is not empty, which it warns about while it is still being imported.
    st.register_type_strategy(value_type, strategy)
    _registered.add(value_type)


def _identity_types() -> list[type[Identity]]:
    found: list[type[Identity]] = []
    pending = Identity.__subclasses__()
    while pending:
        id_type = pending.pop()
        found.append(id_type)
        pending.extend(id_type.__subclasses__())
    return found
