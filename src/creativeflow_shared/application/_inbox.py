"""The inbox: which messages a consumer has handled, kept with the effects of handling them.

A consumer's unit of work notes the message it handles (``UnitOfWork.receive``); the commit
writes that note in the same transaction as the effects. The inbox's key is the message id
and the consumer's name, so a message delivered again (the broker redelivers, a relay
publishes twice) finds its note and its effects are not applied a second time: the second
commit fails with ``AlreadyExistsError`` on the resource ``INBOX_RESOURCE`` and writes
nothing, even when both deliveries run at once (G4).
"""

from __future__ import annotations

from dataclasses import dataclass

from creativeflow_shared.application._storable import storable
from creativeflow_shared.domain import AlreadyExistsError

__all__ = ["INBOX_KEY_MAX_LENGTH", "INBOX_RESOURCE", "InboxEntry", "is_duplicate"]

#: The longest message id and consumer name the inbox keeps.
INBOX_KEY_MAX_LENGTH = 255
#: The resource an ``AlreadyExistsError`` names when a message was handled already.
INBOX_RESOURCE = "inbox message"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A message handled by a consumer: the inbox's key.

    Raises:
        ValueError: If either part is empty, longer than ``INBOX_KEY_MAX_LENGTH``
            characters, or holds a NUL character or a lone surrogate (no store keeps it
            alike; a hostile broker message must not pass as another one).
    """

    message_id: str
    consumer: str

    def __post_init__(self) -> None:
        """Refuse a key not every store keeps."""
        for part in (self.message_id, self.consumer):
            if not 1 <= len(part) <= INBOX_KEY_MAX_LENGTH or not storable(part):
                msg = (
                    f"an inbox message id and consumer are 1 to {INBOX_KEY_MAX_LENGTH} "
                    "characters of valid text without NUL characters"
                )
                raise ValueError(msg)


def is_duplicate(error: object) -> bool:
    """Whether a commit's error says the message was handled already (by another commit)."""
    return isinstance(error, AlreadyExistsError) and error.resource == INBOX_RESOURCE
