"""Markdown to safe HTML: rendered once when saved, sanitized with nh3 (Ammonia).

CommonMark with tables, strikethrough and bare-URL autolinks; raw HTML in the source is shown
as text, and whatever markup survives rendering is sanitized again. `@handle` mentions outside
code become links when the caller says where each handle leads.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

MENTION = re.compile(r"(?<![\w@/.])@([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)", re.IGNORECASE)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "a": {"mention"},
    "code": {
        f"language-{name}"
        for name in (
            "python",
            "javascript",
            "js",
            "html",
            "css",
            "sql",
            "bash",
            "shell",
            "json",
            "yaml",
            "text",
            "r",
            "latex",
            "markdown",
        )
    },
}
URL_SCHEMES = {"http", "https", "mailto"}


def _renderer() -> MarkdownIt:
    markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    markdown.enable(["table", "strikethrough", "linkify"])
    return markdown


_markdown = _renderer()


def sanitize_html(html: str) -> str:
    """Keep only harmless markup: no scripts, handlers, styles, or javascript: links."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


def _text_tokens(tokens: list[Token]):
    """Every plain-text token outside code and links."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        inside_link = 0
        for child in token.children:
            if child.type == "link_open":
                inside_link += 1
            elif child.type == "link_close":
                inside_link -= 1
            elif child.type == "text" and not inside_link:
                yield child


def find_mentions(source: str) -> set[str]:
    """The lower-cased handles mentioned with @ outside code blocks, code spans and links."""
    tokens = _markdown.parse(source or "")
    return {
        match.group(1).lower()
        for token in _text_tokens(tokens)
        for match in MENTION.finditer(token.content)
    }


def render_markdown(source: str, *, mention_urls: dict[str, str] | None = None) -> str:
    """Markdown to sanitized HTML; `mention_urls` maps handles to the page each one links to."""
    tokens = _markdown.parse(source or "")
    if mention_urls:
        for token in _text_tokens(tokens):
            _link_mentions(token, mention_urls)
    return sanitize_html(_markdown.renderer.render(tokens, _markdown.options, {}))


def _link_mentions(token: Token, mention_urls: dict[str, str]) -> None:
    from html import escape

    parts: list[str] = []
    last = 0
    for match in MENTION.finditer(token.content):
        url = mention_urls.get(match.group(1).lower())
        if url is None:
            continue
        parts.append(escape(token.content[last : match.start()]))
        parts.append(f'<a class="mention" href="{escape(url)}">@{escape(match.group(1))}</a>')
        last = match.end()
    if parts:
        parts.append(escape(token.content[last:]))
        token.type = "html_inline"
        token.content = "".join(parts)
