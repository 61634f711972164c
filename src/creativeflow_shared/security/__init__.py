"""Security utilities: secrets that hide, passwords, webhook signatures, API keys and tokens.

- ``Secret`` holds a password, key or token and shows ``**********`` in reprs, strings,
  formatting, log records and JSON dumps; ``reveal()`` returns the value.
- ``PasswordHasher`` hashes passwords with argon2id at OWASP's parameters into PHC strings,
  with an optional pepper, ``needs_rehash`` and one failure for every wrong part.
- ``WebhookSigner`` and ``WebhookVerifier`` implement the Standard Webhooks scheme
  (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``: ``v1,`` HMAC-SHA256 of
  ``id.timestamp.body``) with ``WebhookSecret`` keys, several secrets for rotation, a
  tolerance window both ways and an injectable clock.
- ``issue_api_key`` and ``verify_api_key`` give keys a public prefix to look them up by and a
  secret shown once; only a hash is stored, and verification costs the same whether the
  prefix exists or not.
- ``generate_token``, ``hash_token`` and ``constant_time_equal`` cover the other random
  secrets a service hands out.

Expected failures are ``Result`` values carrying ``UnauthorizedError`` or
``InvalidInputError`` and never say which secret was wrong. Only ``PasswordHasher`` needs the
``security`` extra (argon2-cffi): ``pip install 'creativeflow-shared-backend[security]'``;
everything else uses the standard library.
"""

from creativeflow_shared.security._api_keys import (
    ApiKeyRecord,
    IssuedApiKey,
    hash_api_key,
    issue_api_key,
    verify_api_key,
    verify_api_key_async,
)
from creativeflow_shared.security._passwords import OWASP_ARGON2ID_FLOOR, PasswordHasher
from creativeflow_shared.security._secret import Secret
from creativeflow_shared.security._tokens import (
    MIN_TOKEN_BYTES,
    constant_time_equal,
    generate_token,
    hash_token,
)
from creativeflow_shared.security._webhook_secret import WebhookSecret
from creativeflow_shared.security._webhooks import (
    WEBHOOK_TOLERANCE,
    WebhookMessage,
    WebhookSigner,
    WebhookVerifier,
)

__all__ = [
    "MIN_TOKEN_BYTES",
    "OWASP_ARGON2ID_FLOOR",
    "WEBHOOK_TOLERANCE",
    "ApiKeyRecord",
    "IssuedApiKey",
    "PasswordHasher",
    "Secret",
    "WebhookMessage",
    "WebhookSecret",
    "WebhookSigner",
    "WebhookVerifier",
    "constant_time_equal",
    "generate_token",
    "hash_api_key",
    "hash_token",
    "issue_api_key",
    "verify_api_key",
    "verify_api_key_async",
]
