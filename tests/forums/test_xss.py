"""The acceptance test of the forums' rendering: script-bearing markdown and HTML posted through the
reply form leaves no active markup in Post.body_html nor in the thread page, while harmless
markdown still renders.

Raw HTML in a message is shown as text (core.markdown), so `&lt;script&gt;` may appear as
characters. The checks therefore look at the markup itself — every tag and attribute, parsed —
where nothing of the payloads may survive.
"""

import re
from html.parser import HTMLParser

import pytest

from forums.models import Post, Thread
from tests.communities.helpers import htmx, text
from tests.forums.factories import png_bytes, upload
from tests.forums.helpers import post_bodies

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "markdown-javascript-link": "[x](javascript:alert(1))",
    "markdown-javascript-image": "![x](javascript:alert(1))",
    "markdown-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "markdown-javascript-entity": "[x](&#106;avascript:alert(1))",
    "autolink-javascript": "<javascript:alert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "html-javascript-link": '<a href="javascript:alert(1)">x</a>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "inline-style": '<p style="background:url(javascript:alert(1))">x</p>',
    "table-alignment-style": "| left | right |\n|:--|--:|\n| a | b |",
    "data-html-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-html-reference": "[x][evil]\n\n[evil]: data:text/html,<script>alert(1)</script>",
    "html-block": "<div onclick=alert(1)>\n\n**bold**\n\n</div>",
    "attribute-breakout": '[x](https://example.org/" onmouseover="alert(1))',
}


class _Markup(HTMLParser):
    """Collects every tag and attribute of a piece of HTML (text is left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    handle_startendtag = handle_starttag


def _markup_of(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_inert(html: str) -> None:
    """No script, svg, iframe, event handler, style, or javascript:/data: address in the markup."""
    lowered = html.lower()
    for opening in ("<script", "<svg", "<iframe", "<object", "<embed", "<style", "<form"):
        assert opening not in lowered, opening
    for tag, attrs in _markup_of(html):
        assert tag not in {"script", "svg", "iframe", "object", "embed", "style", "form", "math"}
        for name, value in attrs:
            assert not re.match(r"on\w", name), (tag, name, value)
            assert name not in {"style", "srcdoc", "formaction", "xlink:href"}, (tag, name)
            address = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            assert not address.startswith(("javascript:", "vbscript:", "data:")), (tag, name)
            assert "javascript:" not in address, (tag, name, value)


def _reply(client, thread: Thread, body: str, **extra):
    response = client.post(f"/c/open-practice/t/{thread.pk}/reply/", {"body": body}, **extra)
    assert response.status_code in (200, 302), response.status_code
    return response, Post.objects.get(thread=thread, number=2)


def test_xss_checker_catches_active_markup():
    """The checker itself: each of these must be caught."""
    for html in (
        "<p><script>alert(1)</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>',
        "<svg></svg>",
        '<p style="color:red">x</p>',
        '<a href="data:text/html,x">x</a>',
    ):
        with pytest.raises(AssertionError):
            assert_inert(html)
    assert_inert("<p>&lt;script&gt;alert(1)&lt;/script&gt; and javascript:alert(1) as text</p>")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_xss_payload_leaves_no_active_markup(cast, thread, member_client, payload):
    response, post = _reply(member_client, thread, payload)

    assert post.body == payload
    assert_inert(post.body_html)
    page = text(member_client.get(response["Location"]))
    bodies = post_bodies(page)
    assert len(bodies) == 2
    assert_inert(bodies[1])


def test_xss_every_payload_at_once_and_harmless_markdown_still_renders(cast, thread, member_client):
    harmless = (
        "| Step | Minutes |\n|------|--------:|\n| Warm-up | 5 |\n\n"
        "```python\nprint('<b>not bold</b>')\n```\n\n"
        "~~struck~~ and **strong**\n\n"
        "See https://example.org/lesson?id=1 and [the guide](https://example.org/guide)."
    )
    body = "\n\n".join([*PAYLOADS.values(), harmless])

    response, post = _reply(member_client, thread, body)

    assert_inert(post.body_html)
    assert "<table>" in post.body_html
    assert "<th>Step</th>" in post.body_html
    assert "<td>5</td>" in post.body_html
    assert '<pre><code class="language-python">' in post.body_html
    assert "print('&lt;b&gt;not bold&lt;/b&gt;')" in post.body_html
    assert "<s>struck</s>" in post.body_html
    assert "<strong>strong</strong>" in post.body_html
    assert '<a href="https://example.org/lesson?id=1" rel="nofollow noopener noreferrer ugc">' in (
        post.body_html
    )
    assert '<a href="https://example.org/guide" rel="nofollow noopener noreferrer ugc">' in (
        post.body_html
    )
    page = text(member_client.get(response["Location"]))
    [_first, rendered] = post_bodies(page)
    assert_inert(rendered)
    assert "<s>struck</s>" in rendered
    assert "<table>" in rendered


def test_xss_reply_fragment_is_inert(cast, thread, member_client):
    response, post = _reply(member_client, thread, "\n\n".join(PAYLOADS.values()), **htmx("reply"))

    assert response.status_code == 200
    [rendered] = post_bodies(text(response))
    assert_inert(rendered)


def test_xss_page_runs_only_its_own_scripts(cast, thread, member_client):
    response, _post = _reply(member_client, thread, "\n\n".join(PAYLOADS.values()))

    page = text(member_client.get(response["Location"]))

    scripts = re.findall(r"<script\b[^>]*>", page, re.IGNORECASE)
    assert scripts
    for script in scripts:
        assert re.search(r'src="/static/[^"]+"', script), script
        assert "nonce=" in script
    assert "<svg" not in page.lower()
    assert "<iframe" not in page.lower()


def test_xss_thread_title_is_escaped(cast, forum, member_client):
    title = '<script>alert(1)</script><img src=x onerror="alert(2)">'

    response = member_client.post(
        f"/c/open-practice/forums/{forum.slug}/new/", {"title": title, "body": "Hello."}
    )

    page = text(member_client.get(response["Location"]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "onerror=" not in page.replace("onerror=&quot;", "")
    listing = text(member_client.get(forum.get_absolute_url()))
    assert "<script>alert(1)" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


def test_xss_quoted_post_cannot_close_the_reply_box(cast, thread, member_client):
    _response, post = _reply(member_client, thread, "</textarea><script>alert(1)</script>")

    page = text(member_client.get(f"{thread.get_absolute_url()}?quote={post.pk}"))

    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "</textarea><script>" not in page


def test_xss_revision_history_shows_old_text_as_text(cast, thread, member_client):
    _response, post = _reply(member_client, thread, "<script>alert(1)</script>")
    member_client.post(f"/c/open-practice/p/{post.pk}/edit/", {"body": "Cleaned up."})

    page = text(member_client.get(f"/c/open-practice/p/{post.pk}/revisions/"))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_xss_attachment_name_is_escaped(cast, thread, member_client):
    response = member_client.post(
        f"/c/open-practice/t/{thread.pk}/reply/",
        {
            "body": "Photo attached.",
            "attachments": [upload('x" onerror="alert(1).png', png_bytes(), "image/png")],
        },
    )

    page = text(member_client.get(response["Location"]))
    images = re.findall(r'<img class="attachment-image[^>]*>', page)
    assert len(images) == 1
    assert_inert(images[0])
    assert 'alt="x&quot; onerror=&quot;alert(1).png"' in images[0]
