"""`manage.py receive_mail`: the SMTP server that takes replies by email (the `mail-in` service).

It accepts mail only for reply+<token>@COP_REPLY_DOMAIN (550 for any other recipient, so it is
never an open relay), up to MAX_MESSAGE_BYTES, and hands each message to
facilitation.inbound.handle_message in a worker thread with its own database connection. A
message that could not be handled (the database is down, a bug) is answered 451: the sending
server keeps it and tries again later, and the Message-ID claim makes the retry post once. No
error stops the server; it runs until interrupted (SIGINT, SIGTERM).

TLS and spam filtering belong to the relay in front of it (the domain's MX), not to this process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from facilitation.inbound import handle_message, token_of_address

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_RECIPIENTS = 10


def _handle_in_thread(content: bytes, recipient: str, sender: str) -> str:
    """Handle one message for one reply address, with a database connection of this thread."""
    close_old_connections()
    try:
        outcome = handle_message(content, recipients=[recipient], sender=sender)
        logger.info("Reply by email for %s: %s %s", recipient[:20], outcome.status, outcome.reason)
        return outcome.status
    finally:
        connection.close()


class ReplyHandler:
    """aiosmtpd handler: reply addresses only; each message handled off the event loop."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if token_of_address(address) is None:
            return "550 5.1.1 No such recipient here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        try:
            for recipient in envelope.rcpt_tos:
                await loop.run_in_executor(
                    None, _handle_in_thread, content, recipient, envelope.mail_from or ""
                )
        except Exception:
            logger.exception("A reply by email could not be handled; the sender will retry.")
            return "451 4.3.0 Temporary failure, please try again later"
        # Also for refused and dropped messages: a refusal is answered to the member's verified
        # address, never bounced to the sender (no backscatter).
        return "250 2.0.0 Message accepted"


def start_receiver(host: str, port: int) -> Controller:
    """Start the SMTP server in a thread of its own; the caller stops it (`.stop()`)."""
    controller = Controller(
        ReplyHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        ident="Praxis reply by email",
    )
    controller.start()
    return controller


class Command(BaseCommand):
    help = "Receive replies by email over SMTP (reply+<token>@COP_REPLY_DOMAIN) and post them."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set to stop the server: by SIGINT or SIGTERM, or by a test running the command in a
        # thread.
        self.stopping = threading.Event()
        self.started = threading.Event()

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="Address to listen on.")
        parser.add_argument("--port", type=int, default=None, help="Port to listen on.")

    def handle(self, *args, host=None, port=None, **options):
        if options["verbosity"] < 2:
            # aiosmtpd logs every SMTP command at INFO, reply addresses included.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        host = host or settings.COP_INBOUND_SMTP_HOST
        port = port or settings.COP_INBOUND_SMTP_PORT
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_args: self.stopping.set())
        controller = start_receiver(host, port)
        self.stdout.write(
            f"Receiving replies for reply+…@{settings.COP_REPLY_DOMAIN} on {host}:{port}"
        )
        self.started.set()
        try:
            # A timeout, so that SIGINT and SIGTERM are handled promptly on every platform.
            while not self.stopping.wait(timeout=1):
                pass
        finally:
            controller.stop()
            self.stdout.write("Stopped.")
