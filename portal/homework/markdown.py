"""Instructions in Markdown, rendered and then sanitized, so nothing a counselor pastes can run."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the Markdown is shown as text, never passed through; nh3 then keeps only these
# tags and attributes, whatever markdown-it produced.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
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


def render_markdown(text: str) -> Markup:
    """Turn Markdown into safe HTML: an allow-list of tags, only http(s) and mailto links, and
    links that open without handing the portal's window to the other site."""
    html = _md.render(text or "")
    return Markup(  # noqa: S704  (the HTML has just been sanitized by nh3)
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )
