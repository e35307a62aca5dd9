"""Choose a language: a link for a person not signed in yet, a setting for everyone else."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from .forms import LanguageForm
from .language import COOKIE, COOKIE_DAYS, known, written_for
from .views import bp, safe_next, settings_page


def _remember(response, code: str):
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        secure=request.is_secure or current_app.config["FORCE_HTTPS_COOKIES"],
        samesite="Lax",
    )
    return response


@bp.get("/language/<code>")
def choose_language(code):
    """Remember this browser's language (only a preference: nothing about the person changes)."""
    if not known(code):
        abort(404)
    target = safe_next(request.args.get("next")) or url_for("accounts.login")
    return _remember(redirect(target), code)


@bp.post("/settings/language")
@login_required
def change_language():
    """Write pages, reminders and the calendar feed in the chosen language from now on."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return settings_page(422, language_form=form)
    current_user.locale = form.language.data
    db.session.commit()
    with written_for(form.language.data):
        flash(_("Language saved. Reminders and your calendar will use it too."))
    return _remember(redirect(url_for("accounts.settings")), form.language.data)
