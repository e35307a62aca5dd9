"""Web push reminders: devices, preferences, the outbox, and the dispatcher that sends them."""

from ..accounts.sections import add_settings_section
from .reminders import default_sources
from .sources import register_feature_sources
from .vapid import configure
from .views import bp, settings_context


def _setup(state) -> None:
    configure(state.app)
    default_sources()
    register_feature_sources()
    add_settings_section(state.app, "notifications/_settings.html", settings_context)


bp.record_once(_setup)
