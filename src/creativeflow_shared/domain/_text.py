"""Constrained text values: non-empty text and URL slugs."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from creativeflow_shared.domain._value_object import ScalarValue

if TYPE_CHECKING:
    from returns.result import Result

    from creativeflow_shared.domain._errors import InvalidInputError

__all__ = ["NonEmptyStr", "Slug"]

_SLUG_MAX = 100
_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _strip_to_non_empty(text: str) -> str:
    # Python's own idea of whitespace (``str.strip``), which counts more characters than
    # pydantic's (the separators U+001C to U+001F): what ``.strip()`` of the value would empty
    # is blank.
    stripped = text.strip()
    if not stripped:
        kind, message = "string_too_short", "String should have at least 1 non-blank character"
        raise PydanticCustomError(kind, message, {"min_length": 1})
    return stripped


class NonEmptyStr(ScalarValue[str]):
    """Text with at least one non-blank character; surrounding whitespace is removed.

    Examples:
        >>> NonEmptyStr("  a cat in a hat ").value
        'a cat in a hat'
        >>> NonEmptyStr.create("   ").failure().field_errors[0].type
        'string_too_short'
    """

    root: Annotated[str, AfterValidator(_strip_to_non_empty)]


class Slug(ScalarValue[str]):
    """A URL-safe name: lower-case ASCII letters and digits in words joined by single hyphens.

    Examples:
        >>> Slug("summer-sale-2026").value
        'summer-sale-2026'
        >>> Slug.from_text("Crème Brûlée: Summer Édition!").unwrap().value
        'creme-brulee-summer-edition'
    """

    root: Annotated[
        str,
        StringConstraints(
            min_length=1, max_length=_SLUG_MAX, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
        ),
    ]

    @classmethod
    def from_text(cls, text: str) -> Result[Slug, InvalidInputError]:
        """Derive a slug from free text: accents folded, other symbols turned into hyphens.

        Returns:
            ``Success`` with the slug, or ``Failure`` with an ``InvalidInputError`` when no
            letter or digit is left or the slug would be longer than 100 characters.
        """
        decomposed = unicodedata.normalize("NFKD", str(text)).casefold()
        # Accents (combining marks) vanish; any other non-ASCII symbol separates words.
        folded = "".join(
            char if char.isascii() else "-"
            for char in decomposed
            if not unicodedata.combining(char)
        )
        return cls.create(_NOT_SLUG.sub("-", folded).strip("-"))
