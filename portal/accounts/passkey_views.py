"""Passkeys: adding one (settings, or the care team's first setup), removing one, and the
second step of signing in with one."""

import logging

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import Form
from ..htmx import render
from ..timeutil import utcnow
from . import passkeys, pending, throttle
from .forms import NewPasskeyForm, PasskeyAnswerForm, SecondFactorForm
from .sessions import end_session, start_session
from .views import bp, finish_sign_in, settings_page

security_log = logging.getLogger("portal.security")
CEREMONY_KEY = "passkey_ceremony"


def begin_ceremony(options_json: str, challenge: passkeys.Challenge) -> str:
    """Keep the challenge in the signed session cookie and return the options for the page."""
    session[CEREMONY_KEY] = challenge.as_dict()
    return options_json


def take_ceremony() -> passkeys.Challenge | None:
    """Take the waiting challenge out of the session: a ceremony is answered once."""
    return passkeys.Challenge.from_dict(session.pop(CEREMONY_KEY, None))


def new_passkey_options(user) -> str | None:
    """Options for making a passkey, or None where this address cannot have them."""
    if not passkeys.possible():
        return None
    return begin_ceremony(*passkeys.registration_options(user, utcnow()))


def sign_in_options(user) -> str | None:
    """Options for the second step with a passkey, or None when the person has none here."""
    if not passkeys.possible() or not passkeys.passkeys_of(user):
        return None
    return begin_ceremony(*passkeys.authentication_options(user, utcnow()))


def _refused_new_passkey(form):
    """Show the page the passkey was added from again, with why it was not saved."""
    if current_user.has_second_factor:
        return settings_page(422, passkey_form=form)
    from .factor_views import setup_page

    return setup_page(SecondFactorForm(), passkey_form=form, status=422)


@bp.post("/settings/passkeys")
@login_required
def add_passkey():
    """Keep the passkey this browser just made; the first factor also gets recovery codes."""
    form = NewPasskeyForm()
    if not form.validate_on_submit():
        return _refused_new_passkey(form)
    user = current_user._get_current_object()
    try:
        codes = passkeys.add_passkey(
            user, form.credential.data, form.name.data, take_ceremony(), utcnow()
        )
    except passkeys.PasskeyError as error:
        security_log.info("passkey not added user=%s reason=%s", user.id, error)
        form.credential.errors.append(_("The passkey was not saved. Please try again."))
        return _refused_new_passkey(form)
    security_log.info("passkey added user=%s", user.id)
    end_session()  # every session ended with the change; this browser gets a new one
    start_session(user)
    if codes is not None:
        return render("accounts/recovery_codes.html", codes=codes, new_factor=True)
    flash(_("Your passkey is saved. Other devices were signed out."))
    return redirect(url_for("accounts.settings", _anchor="two-step"))


@bp.post("/settings/passkeys/<int:passkey_id>/remove")
@login_required
def remove_passkey(passkey_id):
    """Remove one passkey; the last way to sign in is kept (turn two-step off instead)."""
    if not Form().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if passkey_id not in {p.id for p in passkeys.passkeys_of(user)}:
        abort(404)
    if passkeys.is_last_factor(user):
        flash(_("This passkey is your only way to finish signing in. Add another one first."))
        return settings_page(409)
    passkeys.remove_passkey(user, passkey_id)
    security_log.info("passkey removed user=%s", user.id)
    start_session(user)
    flash(_("The passkey is removed. Other devices were signed out."))
    return redirect(url_for("accounts.settings", _anchor="two-step"))


@bp.post("/login/passkey")
@throttle.sign_in_limits
def verify_passkey():
    """The second step with a passkey, after the password."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    waiting = pending.load(utcnow())
    if waiting is None:
        flash(_("Please sign in again."))
        return redirect(url_for("accounts.login"))
    user, choices = waiting
    form = PasskeyAnswerForm()
    challenge = take_ceremony()
    if not (
        form.validate_on_submit()
        and passkeys.check_passkey(user, form.credential.data, challenge, utcnow())
    ):
        throttle.log_failed_sign_in(user.email, "bad-passkey")
        from .factor_views import verify_page

        return verify_page(
            user,
            SecondFactorForm(),
            status=401,
            passkey_error=_("That did not work. Try your passkey again, or type a code."),
        )
    pending.clear()
    return finish_sign_in(user, choices["keep"], choices["next"])
