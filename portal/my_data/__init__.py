from ..accounts.sections import add_settings_section
from .views import bp

# The client's settings page links to the copy; other people's settings show nothing.
bp.record_once(lambda state: add_settings_section(state.app, "my_data/_settings.html", dict))
