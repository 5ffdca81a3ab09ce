"""The one base class of the refusals every tool raises (ForumError, MembershipError, …)."""


class ActionRefused(Exception):
    """An action the rules refuse; the message, shown to the person, says why."""
