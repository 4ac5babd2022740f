"""Request signing as Slack does it for requests to an app's Request URL.

Slack's scheme (docs.slack.dev, "Verifying requests from Slack"): the signature is
"v0=" followed by the hex HMAC-SHA256, keyed with the app's signing secret, of
"v0:{timestamp}:{raw body}". Receivers reject timestamps more than five minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v0"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


def sign_request(
    body: bytes,
    *,
    signing_secret: str,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Return the X-Slack-Request-Timestamp and X-Slack-Signature headers for a request body.

    timestamp is in Unix seconds and defaults to now. The caller adds Content-Type.
    """
    if not isinstance(body, bytes):
        raise TypeError(f"body must be bytes as sent on the wire, got {type(body).__name__}")
    if not signing_secret:
        raise ValueError("signing_secret must not be empty")
    if timestamp is None:
        timestamp = int(time.time())

    base_string = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode("utf-8"), base_string, hashlib.sha256).hexdigest()
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={digest}",
    }
