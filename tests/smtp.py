"""A real SMTP server on 127.0.0.1 for the email tests (aiosmtpd): it keeps every message it
accepts, parsed, so a test reads what a mail client would receive."""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpSink:
    port: int
    messages: list = field(default_factory=list)  # email.message.EmailMessage, in arrival order
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """The messages received for this address."""
        with self.lock:
            return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]

    @staticmethod
    def text_of(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html_of(message) -> str:
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


@pytest.fixture
def smtp_sink(settings):
    """Start an SMTP server for the test and send Django's email to it."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def mail_receiver():
    """`manage.py receive_mail` (replies by email) running in a thread on a free port of
    127.0.0.1 until the test ends; yields its port. Its handler works in threads of its own with
    their own database connections: use it with pytest.mark.django_db(transaction=True)."""
    from django.core.management import call_command

    from facilitation.management.commands import receive_mail

    port = free_port()
    command = receive_mail.Command()
    errors = []

    def run():
        try:
            call_command(command, "--host", "127.0.0.1", "--port", str(port))
        except BaseException as error:  # reported below
            errors.append(error)
            command.started.set()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    assert command.started.wait(timeout=10)
    assert not errors, errors
    try:
        yield port
    finally:
        command.stopping.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
