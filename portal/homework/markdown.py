"""Instructions in Markdown, rendered and then sanitized, so nothing a counselor pastes can run."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# markdown-it passes raw HTML through, and nh3 then keeps only these tags and attributes: a
# pasted <script> disappears with its content, an onerror= attribute is dropped, and a
# counselor's harmless <em> still works.
_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


def sanitize(html: str) -> str:
    """Keep an allow-list of tags, only http(s) and mailto links, and links that open without
    handing the portal's window to the other site."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    """Turn Markdown into safe HTML for a page."""
    return Markup(sanitize(_md.render(text or "")))  # noqa: S704  (sanitized just now)
