"""The forums' refusal: every service of the package raises it, views show its message."""

from core.errors import ActionRefused


class ForumError(ActionRefused):
    """A forum action the rules refuse; the message says why."""
