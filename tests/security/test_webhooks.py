"""Standard Webhooks: known answers, interop with the reference package, window, rotation.

The known-answer vector is the one the Standard Webhooks project publishes in its libraries'
test suites (for example ``libraries/python/tests/test_webhooks.py`` and
``libraries/javascript/src/webhook.test.ts`` in the standard-webhooks repository): the secret
``whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw``, the message id ``msg_p5jXN8AQM9LWM0D4loKWxJek``,
the timestamp 1614265330 and the body ``{"test": 2432232314}`` sign to
``v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=``. The same suites use the mismatching
signature ``v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=`` in a multi-signature header.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
from returns.result import Failure, Success

from creativeflow_shared.domain import (
    FieldError,
    FixedClock,
    InvalidInputError,
    UnauthorizedError,
    use_clock,
)
from creativeflow_shared.security import (
    WEBHOOK_TOLERANCE,
    Secret,
    WebhookMessage,
    WebhookSecret,
    WebhookSigner,
    WebhookVerifier,
)

_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
_STAMP = 1614265330
_BODY = b'{"test": 2432232314}'
_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
_OTHER = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
_AT = datetime.fromtimestamp(_STAMP, UTC)
_HEADERS = {"webhook-id": _ID, "webhook-timestamp": str(_STAMP), "webhook-signature": _SIGNATURE}
_NO_MATCH = Failure(UnauthorizedError("No webhook signature matches"))
_OUTSIDE = Failure(UnauthorizedError("The webhook timestamp is outside the tolerance"))


def _secret(text: str = _KEY) -> WebhookSecret:
    return WebhookSecret.parse(text).unwrap()


def _verifier(*secrets: WebhookSecret, at: datetime = _AT) -> WebhookVerifier:
    return WebhookVerifier(secrets or (_secret(),), clock=FixedClock(at))


# -- known answers ----------------------------------------------------------------------------
def test_signing_the_published_vector_gives_the_published_signature() -> None:
    headers = WebhookSigner(_secret()).sign(_ID, _BODY, at=_AT)

    assert headers == _HEADERS


def test_the_body_may_be_given_as_text() -> None:
    headers = WebhookSigner(_secret()).sign(_ID, _BODY.decode(), at=_AT)

    assert headers["webhook-signature"] == _SIGNATURE


def test_the_published_vector_verifies() -> None:
    verified = _verifier().verify(_BODY, _HEADERS)

    assert verified == Success(WebhookMessage(_ID, _AT, _BODY))


@pytest.mark.parametrize("key", [_KEY, _KEY.removeprefix("whsec_")], ids=["prefixed", "bare"])
def test_the_secret_is_read_with_or_without_its_prefix(key: str) -> None:
    assert _verifier(_secret(key)).verify(_BODY, _HEADERS).map(lambda m: m.message_id) == Success(
        _ID
    )


def test_header_names_are_matched_without_regard_to_case() -> None:
    headers = {name.title(): value for name, value in _HEADERS.items()}

    assert isinstance(_verifier().verify(_BODY, headers), Success)


def test_one_matching_signature_among_others_is_enough() -> None:
    signature = " ".join([f"v1,{_OTHER}", f"v2,{_OTHER}", _SIGNATURE, f"v1,{_OTHER}"])

    verified = _verifier().verify(_BODY, {**_HEADERS, "webhook-signature": signature})

    assert isinstance(verified, Success)


@pytest.mark.parametrize(
    "signature",
    [
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        "v1,dawfeoifkpqwoekfpqoekf",
        _SIGNATURE[:8],
        "v1,",
        _SIGNATURE.removeprefix("v1,"),
        "v2," + _SIGNATURE.removeprefix("v1,"),
        "v1a," + _SIGNATURE.removeprefix("v1,"),
        f"v1,{_OTHER}",
        "  ",
    ],
    ids=[
        "last character changed",
        "not a signature",
        "partial",
        "empty",
        "no version",
        "other version",
        "asymmetric version",
        "another message's",
        "blank",
    ],
)
def test_a_wrong_signature_is_refused(signature: str) -> None:
    verified = _verifier().verify(_BODY, {**_HEADERS, "webhook-signature": signature})

    assert verified == _NO_MATCH


# -- tampering --------------------------------------------------------------------------------
def test_a_tampered_body_is_refused() -> None:
    assert _verifier().verify(b'{"test": 2432232315}', _HEADERS) == _NO_MATCH
    assert _verifier().verify(_BODY + b" ", _HEADERS) == _NO_MATCH


def test_a_tampered_id_is_refused() -> None:
    assert _verifier().verify(_BODY, {**_HEADERS, "webhook-id": _ID + "x"}) == _NO_MATCH


def test_a_tampered_timestamp_inside_the_window_is_refused() -> None:
    headers = {**_HEADERS, "webhook-timestamp": str(_STAMP + 1)}

    assert _verifier().verify(_BODY, headers) == _NO_MATCH


def test_a_signature_by_another_secret_is_refused() -> None:
    assert _verifier(WebhookSecret.generate()).verify(_BODY, _HEADERS) == _NO_MATCH


# -- the tolerance window ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "offset",
    [timedelta(0), WEBHOOK_TOLERANCE, -WEBHOOK_TOLERANCE],
    ids=["now", "oldest accepted", "newest accepted"],
)
def test_a_timestamp_within_the_tolerance_is_accepted(offset: timedelta) -> None:
    verified = _verifier(at=_AT + offset).verify(_BODY, _HEADERS)

    assert isinstance(verified, Success)


@pytest.mark.parametrize(
    "offset",
    [WEBHOOK_TOLERANCE + timedelta(seconds=1), -WEBHOOK_TOLERANCE - timedelta(seconds=1)],
    ids=["a second too old", "a second too new"],
)
def test_a_timestamp_just_outside_the_tolerance_is_refused(offset: timedelta) -> None:
    verified = _verifier(at=_AT + offset).verify(_BODY, _HEADERS)

    assert verified == _OUTSIDE


def test_the_tolerance_can_be_chosen() -> None:
    clock = FixedClock(_AT + timedelta(seconds=31))
    strict = WebhookVerifier(_secret(), tolerance=timedelta(seconds=30), clock=clock)
    lenient = WebhookVerifier(_secret(), tolerance=timedelta(minutes=1), clock=clock)

    assert strict.verify(_BODY, _HEADERS) == _OUTSIDE
    assert isinstance(lenient.verify(_BODY, _HEADERS), Success)


def test_the_verifier_reads_the_contexts_clock_when_given_none() -> None:
    verifier = WebhookVerifier(_secret())

    with use_clock(FixedClock(_AT)):
        inside = verifier.verify(_BODY, _HEADERS)
    with use_clock(FixedClock(_AT + timedelta(hours=1))):
        outside = verifier.verify(_BODY, _HEADERS)

    assert isinstance(inside, Success)
    assert outside == _OUTSIDE


def test_the_signer_stamps_with_its_clock_or_the_contexts() -> None:
    later = _AT + timedelta(seconds=90)

    with use_clock(FixedClock(later)):
        from_context = WebhookSigner(_secret()).sign(_ID, _BODY)
    own = WebhookSigner(_secret(), clock=FixedClock(later)).sign(_ID, _BODY)

    assert from_context["webhook-timestamp"] == own["webhook-timestamp"] == str(_STAMP + 90)


# -- malformed headers ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_invalid_input(name: str) -> None:
    headers = {key: value for key, value in _HEADERS.items() if key != name}

    verified = _verifier().verify(_BODY, headers)

    assert verified == Failure(
        InvalidInputError(
            [FieldError(("headers", name), f"The {name} header is missing", "missing")]
        )
    )


def test_every_missing_header_is_reported() -> None:
    failed = _verifier().verify(_BODY, {"webhook-id": ""}).failure()

    assert isinstance(failed, InvalidInputError)
    assert [error.loc for error in failed.field_errors] == [
        ("headers", "webhook-id"),
        ("headers", "webhook-timestamp"),
        ("headers", "webhook-signature"),
    ]


@pytest.mark.parametrize(
    "stamp",
    ["hello", "1614265330.0", "-1614265330", " 1614265330", "١٦١٤٢٦٥٣٣٠", "9" * 12],
    ids=["word", "fraction", "negative", "space", "arabic digits", "too many digits"],
)
def test_a_timestamp_that_is_not_whole_seconds_is_invalid_input(stamp: str) -> None:
    failed = _verifier().verify(_BODY, {**_HEADERS, "webhook-timestamp": stamp}).failure()

    assert isinstance(failed, InvalidInputError)
    assert [error.loc for error in failed.field_errors] == [("headers", "webhook-timestamp")]


def test_the_largest_timestamp_read_is_a_date_even_with_a_huge_tolerance() -> None:
    latest = datetime.fromtimestamp(int("9" * 11), UTC)
    headers = WebhookSigner(_secret()).sign(_ID, _BODY, at=latest)
    verifier = WebhookVerifier(
        _secret(), tolerance=timedelta(days=9_999_999), clock=FixedClock(_AT)
    )

    verified = verifier.verify(_BODY, headers)

    assert verified.map(lambda message: message.timestamp) == Success(latest)


# -- rotation ---------------------------------------------------------------------------------
def test_a_message_signed_during_rotation_verifies_with_either_secret() -> None:
    old, new = WebhookSecret.generate(), WebhookSecret.generate()
    headers = WebhookSigner([new, old], clock=FixedClock(_AT)).sign(_ID, _BODY)

    assert headers["webhook-signature"].count("v1,") == 2
    assert isinstance(_verifier(old).verify(_BODY, headers), Success)
    assert isinstance(_verifier(new).verify(_BODY, headers), Success)


def test_a_receiver_rotating_accepts_messages_signed_with_either_secret() -> None:
    old, new = WebhookSecret.generate(), WebhookSecret.generate()
    receiver = _verifier(new, old)

    for secret in (old, new):
        headers = WebhookSigner(secret, clock=FixedClock(_AT)).sign(_ID, _BODY)
        assert isinstance(receiver.verify(_BODY, headers), Success)
    stranger = WebhookSigner(WebhookSecret.generate(), clock=FixedClock(_AT)).sign(_ID, _BODY)
    assert receiver.verify(_BODY, stranger) == _NO_MATCH


# -- interop with the reference package -------------------------------------------------------
def test_the_reference_package_verifies_our_signatures() -> None:
    old, new = WebhookSecret.generate(), WebhookSecret.generate(64)
    body = b'{"type": "job.finished", "data": {"id": "42", "name": "\xc3\xa9t\xc3\xa9"}}'
    headers = WebhookSigner([new, old]).sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body)

    for secret in (old, new):
        parsed = standardwebhooks.Webhook(secret.reveal()).verify(body, headers)
        assert parsed["data"]["name"] == "été"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(WebhookSecret.generate().reveal()).verify(body, headers)


def test_we_verify_the_reference_packages_signatures() -> None:
    secret = WebhookSecret.generate()
    body = b"\x00\xffnot even utf-8"
    now = datetime.now(UTC)
    signature = standardwebhooks.Webhook(secret.reveal()).sign(_ID, now, body)
    headers = {
        "webhook-id": _ID,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }

    verified = WebhookVerifier(secret).verify(body, headers)

    assert verified.map(lambda message: message.body) == Success(body)


def test_the_reference_package_and_we_sign_alike() -> None:
    secret = WebhookSecret.generate(24)

    ours = WebhookSigner(secret).sign(_ID, _BODY, at=_AT)["webhook-signature"]
    theirs = standardwebhooks.Webhook(secret.reveal()).sign(_ID, _AT, _BODY)

    assert ours == theirs


# -- the secret and misuse --------------------------------------------------------------------
def test_a_secret_round_trips_through_its_serialized_form() -> None:
    secret = WebhookSecret.generate()

    assert secret.reveal().startswith("whsec_")
    assert WebhookSecret.parse(Secret(secret.reveal())) == Success(secret)
    assert hash(WebhookSecret.parse(secret.reveal()).unwrap()) == hash(secret)
    assert secret != WebhookSecret.generate()
    assert secret != secret.reveal()


def test_a_secret_never_shows_its_key() -> None:
    secret = _secret()

    shown = [repr(secret), str(secret), f"{secret}", repr(WebhookSigner(secret))]

    assert all("MfKQ9r8G" not in text for text in shown)
    assert repr(secret) == "WebhookSecret('whsec_**********')"


def test_the_verifier_and_signer_say_how_they_are_configured() -> None:
    verifier = WebhookVerifier([_secret(), WebhookSecret.generate()])

    assert repr(verifier) == "WebhookVerifier(secrets=2, tolerance=300s)"
    assert repr(WebhookSigner(_secret())) == "WebhookSigner(secrets=1)"


@pytest.mark.parametrize(
    "text",
    ["", "whsec_", "whsec_c2hvcnQ=", "whsec_" + "A" * 87 + "=", "whsec_not base64!", "whsec_é"],
    ids=["empty", "prefix only", "too short", "too long", "not base64", "not ascii"],
)
def test_a_secret_that_is_not_base64_of_24_to_64_bytes_is_invalid_input(text: str) -> None:
    parsed = WebhookSecret.parse(text)

    assert parsed == Failure(
        InvalidInputError.single("A webhook secret is base64 of 24 to 64 bytes", loc=("secret",))
    )


@pytest.mark.parametrize("size", [23, 65])
def test_a_key_of_the_wrong_size_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="24 to 64 bytes"):
        WebhookSecret(bytes(size))
    with pytest.raises(ValueError, match="24 to 64 bytes"):
        WebhookSecret.generate(size)


@pytest.mark.parametrize(
    "message_id", ["", "msg.1", "msg 1", "msg\r\n1", "mség", "x" * 257], ids=repr
)
def test_the_signer_refuses_an_id_that_would_be_ambiguous_or_break_the_header(
    message_id: str,
) -> None:
    with pytest.raises(ValueError, match="message id"):
        WebhookSigner(_secret()).sign(message_id, _BODY, at=_AT)


def test_the_signer_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WebhookSigner(_secret()).sign(_ID, _BODY, at=datetime(2026, 1, 1))  # noqa: DTZ001 (the point)


def test_signer_and_verifier_need_a_secret() -> None:
    with pytest.raises(ValueError, match="At least one webhook secret"):
        WebhookSigner([])
    with pytest.raises(ValueError, match="At least one webhook secret"):
        WebhookVerifier([])


def test_the_tolerance_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        WebhookVerifier(_secret(), tolerance=timedelta(seconds=-1))
