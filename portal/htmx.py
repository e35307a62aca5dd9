"""One helper that answers a whole page or just its fragment, for htmx requests."""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """Tell whether htmx made this request (and wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def render(page: str, fragment: str | None = None, status: int = 200, **context):
    """Render the page, or only its fragment for htmx; caches must keep the two apart."""
    template = fragment if fragment and is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
