"""Refusals the UI shows as they are. Each carries a message an agent can act on."""


class Refused(Exception):
    """The request is not allowed or not valid; nothing was changed."""


class NotFound(Refused):
    """The id is unknown, or belongs to someone else: the two are told apart to nobody."""

    def __init__(self, what: str = "That item"):
        super().__init__(f"{what} was not found.")
