"""The client portal for intensive outpatient programs."""

import logging
import os
from pathlib import Path

from flask import Flask, flash, redirect, request, url_for
from werkzeug.routing import IntegerConverter

from . import config, connections  # noqa: F401  (connections: closed ones replaced at checkout)
from .accounts.language import select_locale
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """An `int` URL part that fits a database id column."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    app.config["PERMANENT_SESSION_LIFETIME"] = 86400 * app.config["SESSION_REMEMBER_DAYS"]
    logging.basicConfig(level=logging.INFO)

    # Ids past PostgreSQL's integer (and SQLite's 64 bits) match no route: a 404, not a 500.
    app.url_map.converters["int"] = DatabaseIdConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_timezone=app.config["CLINIC_TIMEZONE"]
    )
    _init_login(app)

    from . import models  # noqa: F401  (every feature's tables, for migrations)
    from .core.offline import init_offline
    from .errors import init_errors
    from .frame import init_frame
    from .security import init_security

    init_security(app)
    init_offline(app)
    init_frame(app)
    init_errors(app)
    _register_blueprints(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from .accounts.sessions import load_user_for_session
    from .accounts.views import login_required_message
    from .htmx import is_htmx

    login_manager.init_app(app)
    login_manager.session_protection = None  # the server-side session row does this job
    login_manager.user_loader(load_user_for_session)

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(login_required_message())
        target = url_for(
            "accounts.login",
            next=request.full_path.rstrip("?") if request.method == "GET" else None,
        )
        response = redirect(target)
        if is_htmx():
            response.status_code = 401
            response.headers["HX-Redirect"] = target
        return response


def _register_blueprints(app: Flask) -> None:
    from . import (
        accounts,
        care_team,
        checkins,
        core,
        family,
        help,
        homework,
        meetings,
        my_data,
        notifications,
        recovery_plan,
        schedule,
        today,
    )

    features = (
        accounts,
        care_team,
        checkins,
        core,
        family,
        help,
        homework,
        meetings,
        my_data,
        recovery_plan,
        schedule,
        today,
    )
    for feature in features:
        app.register_blueprint(feature.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(schedule.care_bp)
