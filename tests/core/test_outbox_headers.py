"""An outbox row carries its own headers (List-Unsubscribe, Reply-To) to the mail server, and
every subject names the installation."""

import pytest

from core.outbox import queue_email, render_outgoing

pytestmark = pytest.mark.django_db


def test_outbox_headers_reach_the_mail_server(smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(
            key="test:1",
            to="ana@example.org",
            subject="Hello",
            body="Body.",
            headers={
                "List-Unsubscribe": "<https://praxis.example/u/abc/>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Reply-To": "reply+token@praxis.example",
            },
        )

    [message] = smtp_sink.to("ana@example.org")
    assert message["List-Unsubscribe"] == "<https://praxis.example/u/abc/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] == "reply+token@praxis.example"
    assert message["Message-ID"]


def test_subjects_name_the_installation(settings):
    settings.COP_SITE_NAME = "Réseau Maths"

    email = render_outgoing(
        "communities/email/invitation",
        key="k",
        to="ana@example.org",
        context={
            "community": type("C", (), {"name": "Maths"})(),
            "inviter": "Olga",
            "url": "https://x/",
            "message": "",
            "role": "member",
            "expires_at": None,
        },
    )

    assert email.subject.startswith("[Réseau Maths] ")


def test_plain_text_parts_are_not_html_escaped():
    email = render_outgoing(
        "communities/email/invitation",
        key="k",
        to="ana@example.org",
        context={
            "community": type("C", (), {"name": "Maths & Sciences <Lyon>"})(),
            "inviter": "Olga",
            "url": "https://x/",
            "message": 'Bring "your" plans & ideas',
            "role": "member",
            "expires_at": None,
        },
    )

    assert "Maths & Sciences <Lyon>" in email.subject
    assert "Maths & Sciences <Lyon>" in email.body
    assert "&amp;" not in email.body + email.subject
