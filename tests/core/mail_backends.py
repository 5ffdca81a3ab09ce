"""Email backends for the outbox tests: they count connections and refuse chosen addresses."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import sanitize_address


class RecordingBackend(BaseEmailBackend):
    """Accepts every message, except to the addresses the test lists in `refused` (550),
    `deferred` (450) or `disconnect_at` (the connection drops); `unreachable` makes open() fail.

    State lives on the class, reset by the `recording_backend` fixture: the outbox makes its own
    connections.
    """

    refused: set[str] = set()
    deferred: set[str] = set()
    disconnect_at: set[str] = set()
    unreachable = False
    # One list per connection opened: the addresses accepted over it.
    connections: list[list[str]] = []
    # What the database said of each message's row at the moment it was handed to the backend.
    seen_sent_at: list = []

    @classmethod
    def reset(cls) -> None:
        cls.refused, cls.deferred, cls.disconnect_at = set(), set(), set()
        cls.unreachable = False
        cls.connections = []
        cls.seen_sent_at = []

    @classmethod
    def accepted(cls) -> list[str]:
        return [address for batch in cls.connections for address in batch]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self) -> bool:
        if type(self).unreachable:
            raise ConnectionRefusedError(111, "Connection refused")
        self.is_open = True
        type(self).connections.append([])
        return True

    def close(self) -> None:
        self.is_open = False

    def send_messages(self, email_messages) -> int:
        from core.models import OutboxEmail

        assert self.is_open, "the outbox sends over a connection it opened once"
        cls = type(self)
        for message in email_messages:
            (address,) = message.to
            # What Django's SMTP backend does first: an address or header it cannot write raises.
            sanitize_address(address, message.encoding or "utf-8")
            message.message()
            row = OutboxEmail.objects.filter(to=address).order_by("-pk").first()
            cls.seen_sent_at.append(row.sent_at if row else None)
            if address in cls.refused:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 No such user")})
            if address in cls.deferred:
                raise smtplib.SMTPRecipientsRefused({address: (450, b"4.2.1 Try again later")})
            if address in cls.disconnect_at:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            cls.connections[-1].append(address)
        return len(email_messages)
