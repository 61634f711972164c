"""Tell type checkers how the kernel's pydantic bases behave, so users' models type-check.

Pydantic declares its metaclass with ``dataclass_transform`` and no defaults, so a type checker
treats every model as a mutable dataclass with a generated ``__eq__`` and therefore *unhashable*:
``Entity[OrderId]`` is refused (the id type must be hashable) and ``{Email(...)}`` too. The
kernel's value objects and events are frozen, and its entities define their own equality and
hash; these metaclass declarations say so, the way pydantic's own ``RootModel`` declares its
positional constructor. They exist for type checkers only: at run time every name here is
pydantic's own metaclass, so behaviour and speed are unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

__all__ = ["EntityModelMetaclass", "FrozenModelMetaclass", "FrozenRootModelMetaclass"]

if TYPE_CHECKING:
    from pydantic import Field, PrivateAttr
    from pydantic._internal._model_construction import ModelMetaclass, NoInitField
    from pydantic.root_model import (
        _RootModelMetaclass,  # pyright: ignore[reportPrivateUsage] # RootModel's typing-only twin
    )
    from typing_extensions import dataclass_transform

    @dataclass_transform(
        kw_only_default=True,
        frozen_default=True,
        field_specifiers=(Field, PrivateAttr, NoInitField),
    )
    class FrozenModelMetaclass(ModelMetaclass):
        """Models whose instances are immutable, compared and hashed by value."""

    @dataclass_transform(
        kw_only_default=False, frozen_default=True, field_specifiers=(Field, PrivateAttr)
    )
    class FrozenRootModelMetaclass(_RootModelMetaclass):
        """Root models (one positional value) that are immutable and hashable."""

    @dataclass_transform(
        kw_only_default=True, eq_default=False, field_specifiers=(Field, PrivateAttr, NoInitField)
    )
    class EntityModelMetaclass(ModelMetaclass):
        """Models that define their own identity-based equality and hash."""

else:
    FrozenModelMetaclass = FrozenRootModelMetaclass = EntityModelMetaclass = type(BaseModel)
