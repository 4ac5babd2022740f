"""Domain errors the core raises; chat adapters turn them into messages for the user."""


class StaffvoiceError(Exception):
    """An expected failure with a stable code and a message fit to show the user."""

    code = "error"

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class InvalidInput(StaffvoiceError):
    """The request was understood but its content is not acceptable.

    `field` names the input at fault ("text", "detail"), so a form can show
    the message beside it.
    """

    code = "invalid_input"

    def __init__(self, user_message: str, *, field: str | None = None) -> None:
        super().__init__(user_message)
        self.field = field


class NotFound(StaffvoiceError):
    """The idea, campaign or message named in a request does not exist."""

    code = "not_found"


class DeliveryFailed(StaffvoiceError):
    """The chat platform did not accept a message the bot tried to post or update."""

    code = "delivery_failed"

    def __init__(self, user_message: str, *, reason: str) -> None:
        super().__init__(user_message)
        self.reason = reason


class PermissionDenied(StaffvoiceError):
    """The person lacks the role that the requested action needs, so nothing was changed."""

    code = "permission_denied"


class RateLimited(StaffvoiceError):
    """The chat platform rejected a request for exceeding its rate limit (HTTP 429).

    `retry_after_seconds` is the wait the platform asked for, from its Retry-After header.
    """

    code = "rate_limited"

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(
            f"The chat platform asked the bot to slow down; try again in"
            f" {retry_after_seconds:g} seconds."
        )
        self.retry_after_seconds = retry_after_seconds
