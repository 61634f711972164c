"""What Alembic needs to render the library's column types into a migration that runs.

Alembic's autogenerate writes a type it does not know as ``module.Class(...)`` and imports
nothing for it, so ``UtcDateTime`` and ``ExactDecimal`` came out as private paths that no
migration could run. ``render_item`` writes them by their public names and adds the import.
"""

from __future__ import annotations

from typing import Any, Literal

from creativeflow_shared.infrastructure.sqlalchemy._column_types import ExactDecimal, UtcDateTime

__all__ = ["render_item"]

_PUBLIC = "creativeflow_shared.infrastructure.sqlalchemy"
_OURS = (UtcDateTime, ExactDecimal)


def render_item(
    type_: str,
    obj: object,
    autogen_context: Any,  # noqa: ANN401 (Alembic's AutogenContext; Alembic is not a dependency)
) -> str | Literal[False]:
    """Render the library's column types for Alembic's autogenerate (its ``render_item`` hook).

    Pass it in ``env.py``: ``context.configure(..., render_item=render_item)``. A type of the
    library is written by its public name, with its import added to the migration; anything
    else is left to Alembic (``False``).

    Examples:
        >>> class Context:
        ...     imports: set[str] = set()
        >>> render_item("type", UtcDateTime(), Context())
        'UtcDateTime()'
        >>> sorted(Context.imports)
        ['from creativeflow_shared.infrastructure.sqlalchemy import UtcDateTime']
        >>> render_item("column", object(), Context())
        False
    """
    if type_ != "type" or not isinstance(obj, _OURS):
        return False
    name = type(obj).__name__
    autogen_context.imports.add(f"from {_PUBLIC} import {name}")
    return f"{name}()"
