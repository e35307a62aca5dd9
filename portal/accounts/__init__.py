from . import factor_views, language_views, passkey_views  # noqa: F401  (their routes are on the same blueprint)
from .views import bp  # noqa: F401
