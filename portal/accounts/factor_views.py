"""The second step of signing in, and setting up an authenticator app and recovery codes."""

import logging

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..htmx import render
from ..timeutil import utcnow
from . import pending, second_factor, throttle
from .forms import NewPasskeyForm, PasskeyAnswerForm, SecondFactorForm
from .sessions import end_session, start_session
from .views import bp, finish_sign_in, home_url, settings_page

security_log = logging.getLogger("portal.security")

# What a care-team member without a second factor may still reach: the setup itself, signing
# out, and what every visitor has (help, the app shell).
OPEN_BEFORE_SETUP = {
    "accounts.two_step_setup",
    "accounts.add_passkey",
    "accounts.logout",
    "accounts.login",
    "accounts.index",
    "static",
}
OPEN_BLUEPRINTS = {"help", "core"}
SETUP_KEY = "totp_setup"


@bp.before_app_request
def require_second_factor_for_staff():
    """Send a care-team member who has no second factor yet to set one up, whatever they open."""
    if not (current_user.is_authenticated and current_user.is_staff):
        return None
    if current_user.has_second_factor or request.endpoint in OPEN_BEFORE_SETUP:
        return None
    if request.blueprint in OPEN_BLUEPRINTS:
        return None
    target = url_for("accounts.two_step_setup")
    response = redirect(target)
    if request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = target
    return response


@bp.route("/login/verify", methods=["GET", "POST"])
@throttle.sign_in_limits
def verify():
    """Ask for the code from the authenticator app (or a recovery code) after the password."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    waiting = pending.load(utcnow())
    if waiting is None:
        flash(_("Please sign in again."))
        return redirect(url_for("accounts.login"))
    user, choices = waiting
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return verify_page(user, form, status=422 if form.is_submitted() else 200)
    if not second_factor.check_second_factor(user, form.code.data, utcnow()):
        throttle.log_failed_sign_in(user.email, "bad-second-factor")
        form.code.errors.append(_("That code did not work. Check it and try again."))
        return verify_page(user, form, status=401)
    pending.clear()
    return finish_sign_in(user, choices["keep"], choices["next"])


def verify_page(user, form, status: int, passkey_error: str | None = None):
    """The second step: a passkey first when the person has one, else (or also) a code."""
    from .passkey_views import sign_in_options

    return render(
        "accounts/verify.html",
        form=form,
        passkey_form=PasskeyAnswerForm(formdata=None),
        passkey_options=sign_in_options(user),
        passkey_error=passkey_error,
        has_app=second_factor.confirmed_factor(user) is not None,
        status=status,
    )


def throttled_verify():
    """Answer a throttled second step with the form and a plain explanation."""
    form = SecondFactorForm()
    form.validate()
    return render(
        "accounts/verify.html",
        form=form,
        throttled=True,
        wait_minutes=throttle.wait_minutes(),
        has_app=True,
        status=429,
    )


@bp.route("/settings/two-step", methods=["GET", "POST"])
@login_required
def two_step_setup():
    """Set up an authenticator app: scan, type a code from it, and get the recovery codes."""
    # The new key waits in the signed session cookie, so showing the page stores nothing.
    secret = session.get(SETUP_KEY)
    if not secret or request.method == "GET":
        secret = session[SETUP_KEY] = second_factor.new_secret()
    form = SecondFactorForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        codes = second_factor.confirm_factor(user, secret, form.code.data, utcnow())
        if codes is not None:
            security_log.info("second factor set up user=%s", user.id)
            end_session()  # every session ended with the change; this browser gets a new one
            start_session(user)
            return render("accounts/recovery_codes.html", codes=codes, new_factor=True)
        form.code.errors.append(
            _("That code did not work. Check the time on your phone and try again.")
        )
    return setup_page(form, status=422 if form.is_submitted() else 200)


def setup_page(form, status: int, passkey_form=None):
    """The setup page: a passkey (suggested first) or an authenticator app."""
    from .passkey_views import new_passkey_options

    secret = session.get(SETUP_KEY) or second_factor.new_secret()
    session[SETUP_KEY] = secret
    uri = second_factor.provisioning_uri(secret, current_user)
    return render(
        "accounts/two_step.html",
        form=form,
        secret=secret,
        qr=second_factor.qr_svg(uri),
        passkey_form=passkey_form or NewPasskeyForm(formdata=None),
        passkey_options=new_passkey_options(current_user),
        status=status,
    )


@bp.post("/settings/two-step/recovery-codes")
@login_required
def new_recovery_codes():
    """Replace the recovery codes, after a code from the app proves the phone is at hand."""
    form = SecondFactorForm()
    if form.validate_on_submit() and second_factor.check_second_factor(
        current_user, form.code.data, utcnow()
    ):
        codes = second_factor.issue_recovery_codes(current_user, utcnow())
        return render("accounts/recovery_codes.html", codes=codes, new_factor=False)
    if not form.code.errors:
        form.code.errors.append(_("That code did not work. Check it and try again."))
    return settings_page(422, two_step_form=form)


@bp.post("/settings/two-step/off")
@login_required
def two_step_off():
    """Let a client or family member turn two-step sign-in off; the care team must keep it."""
    if current_user.is_staff or not current_user.has_second_factor:
        return redirect(url_for("accounts.settings"))
    form = SecondFactorForm()
    if form.validate_on_submit() and second_factor.check_second_factor(
        current_user, form.code.data, utcnow()
    ):
        user = current_user._get_current_object()
        second_factor.remove_factors(user)
        start_session(user)
        flash(_("Two-step sign-in is off. Other devices were signed out."))
        return redirect(home_url(user))
    if not form.code.errors:
        form.code.errors.append(_("That code did not work. Check it and try again."))
    return settings_page(422, two_step_form=form)
