"""The session calendar, progress, attendance and calendar feeds."""

from ..accounts.sections import add_settings_section
from .care_views import bp as care_bp  # noqa: F401
from .views import bp, feed_settings_context

bp.record_once(
    lambda state: add_settings_section(
        state.app, "schedule/_feed_settings.html", feed_settings_context
    )
)
