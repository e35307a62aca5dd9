from . import factor_views  # noqa: F401  (its routes are on the same blueprint)
from .views import bp  # noqa: F401
