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
