"""Family members: consented, narrow, revocable access to family-session dates."""

from ..accounts.sections import add_settings_section
from . import consent_views  # noqa: F401  (its routes join the blueprint)
from .views import bp

bp.record_once(lambda state: add_settings_section(state.app, "family/_settings.html", dict))
