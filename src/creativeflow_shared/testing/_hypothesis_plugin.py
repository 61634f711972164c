"""The Hypothesis plugin: teaches ``st.from_type`` the kernel's values and typed identities.

Hypothesis runs ``register_strategies`` through its ``hypothesis`` entry point while it is
itself being imported (after its ``strategies`` module), and importing the kit's strategies
module may be what imports Hypothesis first: that module may then be only partly initialised
when the hook runs. So the registered functions look each strategy up only when
``st.from_type`` resolves a type, by which time every module has finished importing.

The dependency runs one way: this plugin uses the strategies module, which does not know it.
``events``, which registers the strategies before it draws, has a module of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from pydantic import AwareDatetime

from creativeflow_shared import domain
from creativeflow_shared.testing import _strategies as kit

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
    the kit's ``events`` strategy calls it each time; call it again after defining id types
    if ``st.from_type`` must resolve them.

    Registering is idempotent: a type registered once is left alone afterwards, so a strategy
    that you register yourself for one of these types stays in force.
    """
    # The strategies module may be half-way through its import here (see the module docstring):
    # each lambda looks its strategy up only when Hypothesis asks for it.
    _register(domain.Currency, lambda _: kit.currencies())
    _register(domain.Email, lambda _: kit.emails())
    _register(domain.Money, lambda _: kit.money())
    _register(domain.NonEmptyStr, lambda _: kit.non_empty_strs())
    _register(domain.Percentage, lambda _: kit.percentages())
    _register(domain.Slug, lambda _: kit.slugs())
    _register(domain.TimeRange, lambda _: kit.time_ranges())
    # To type checkers ``AwareDatetime`` is ``Annotated[datetime, ...]``; at runtime it is the
    # marker class that pydantic leaves in annotations, the one ``st.from_type`` is asked for.
    aware_datetime: object = AwareDatetime
    _register(cast("type[datetime]", aware_datetime), lambda _: kit.aware_datetimes())
    for id_type in _identity_types():
        # A lambda, not ``kit.identities`` itself, which may not be defined yet (see above).
        _register(id_type, lambda requested: kit.identities(requested))  # noqa: PLW0108 (above)


def _register(value_type: type[T], strategy: Callable[[type[T]], SearchStrategy[T]]) -> None:
    # Imported here, after the strategies module, whose import names the extra to install when
    # Hypothesis is missing. Hypothesis imports its ``strategies`` module before it runs
    # plugins, so this succeeds even while Hypothesis is initialising (see the module docstring).
    from hypothesis import strategies as st  # noqa: PLC0415 (deferred, above)

    if value_type in _registered:
        return
    # A function rather than a strategy: Hypothesis would otherwise build the strategy now to
    # check that it is not empty, which it warns about while it is still being imported.
    st.register_type_strategy(value_type, strategy)
    _registered.add(value_type)


def _identity_types() -> list[type[domain.Identity]]:
    found: list[type[domain.Identity]] = []
    pending = domain.Identity.__subclasses__()
    while pending:
        id_type = pending.pop()
        found.append(id_type)
        pending.extend(id_type.__subclasses__())
    return found
