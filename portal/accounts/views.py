"""Sign in, sign out, set a password from a setup link, and change it in settings."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..dates import format_day
from ..extensions import db
from ..htmx import render
from ..timeutil import utcnow
from . import pending, throttle
from .forms import ChangePasswordForm, LoginForm, SecondFactorForm, SetPasswordForm
from .models import User
from .passwords import check_password, hash_password, spend_password_time
from .program import CLOSED, stage
from .sections import settings_sections
from .sessions import end_other_sessions, end_session, start_session
from .setup_links import find_valid_link, use_link

bp = Blueprint("accounts", __name__)

HOME_ENDPOINTS = {"client": "today.index", "family": "family.home", "staff": "care.dashboard"}


def home_url(user) -> str:
    """Return the address of a role's home page."""
    return url_for(HOME_ENDPOINTS[user.role])


def safe_next(target: str | None) -> str | None:
    """Return a local path to go back to after sign-in, or None for anything off-site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.get("/")
def index():
    """Send each person to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in_limits
def login():
    """Show the sign-in form and sign a person in."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return render("accounts/login.html", form=form, status=422 if form.is_submitted() else 200)
    email = form.email.data.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    # The password is checked first, also for an unknown email: answering an unknown address
    # faster would tell anyone whether a person is a client of the program.
    matches = check_password(user.password_hash if user else None, form.password.data)
    if user is None or not matches:
        throttle.log_failed_sign_in(email, "bad-credentials")
        form.password.errors.append(
            _("That email and password do not match. Check them and try again.")
        )
        return render("accounts/login.html", form=form, status=401)
    if not user.is_active:
        # Said only after the right password: it tells nothing to someone guessing.
        throttle.log_failed_sign_in(email, "turned-off")
        form.password.errors.append(
            _("This account is turned off. If you think this is a mistake, ask the clinic.")
        )
        return render("accounts/login.html", form=form, status=401)
    standing = stage(user, now=utcnow())
    if standing.name == CLOSED:
        throttle.log_failed_sign_in(email, "closed")
        form.password.errors.append(
            _(
                "Your aftercare access ended after %(day)s. If you need it again, ask the clinic.",
                day=format_day(standing.last_day, "day_date"),
            )
        )
        return render("accounts/login.html", form=form, status=401)
    next_url = safe_next(request.args.get("next"))
    if user.has_second_factor:
        fingerprint = throttle.account_fingerprint(email)
        pending.begin(user, fingerprint, form.keep_signed_in.data, next_url, utcnow())
        return redirect(url_for("accounts.verify"))
    return finish_sign_in(user, form.keep_signed_in.data, next_url)


def finish_sign_in(user: User, keep: bool, next_url: str | None):
    """Start the session, mark this browser as the account's, and go on."""
    start_session(user, keep_signed_in=keep)
    response = redirect(next_url or home_url(user))
    throttle.remember_device(response, user.email)
    return response


def throttled_login():
    """Answer a throttled sign-in with the form and a plain explanation."""
    if request.endpoint == "accounts.verify":
        from .factor_views import throttled_verify

        return throttled_verify()
    form = LoginForm()
    form.validate()
    return render(
        "accounts/login.html",
        form=form,
        throttled=True,
        wait_minutes=throttle.wait_minutes(),
        status=429,
    )


@bp.post("/logout")
def logout():
    """Sign out, end the session on the server, and ask the browser to forget what it kept."""
    end_session()
    flash(_("You are signed out."))
    response = redirect(url_for("accounts.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token):
    """Let a new account holder choose their password through a one-time link."""
    link = find_valid_link(token, utcnow())
    if link is None:
        if request.method == "POST":
            spend_password_time()
        return render("accounts/setup_invalid.html", status=410)
    g.language_hint = link.user.locale  # the language the care team set for this person
    form = SetPasswordForm()
    form.account_email, form.account_name = link.user.email, link.user.name
    if not form.validate_on_submit():
        return render(
            "accounts/setup.html",
            form=form,
            user=link.user,
            status=422 if form.is_submitted() else 200,
        )
    user = use_link(link, form.password.data, utcnow())
    if user is None:  # the same link used at the same moment elsewhere
        return render("accounts/setup_invalid.html", status=410)
    if current_user.is_authenticated:
        end_session()
    start_session(user)
    flash(_("Your password is set. Welcome!"))
    return redirect(home_url(user))


@bp.get("/settings")
@login_required
def settings():
    """Show the signed-in person's settings."""
    return settings_page()


def settings_page(
    status: int = 200,
    password_form=None,
    two_step_form=None,
    passkey_form=None,
    language_form=None,
):
    """Render the settings page, with a form's errors where one was sent back."""
    from .forms import LanguageForm, NewPasskeyForm
    from .language import chosen_language
    from .passkey_views import new_passkey_options
    from .passkeys import passkeys_of
    from .second_factor import confirmed_factor, recovery_codes_left

    return render(
        "accounts/settings.html",
        password_form=password_form or ChangePasswordForm(),
        two_step_form=two_step_form or SecondFactorForm(),
        passkey_form=passkey_form or NewPasskeyForm(formdata=None),
        language_form=language_form or LanguageForm(formdata=None, language=chosen_language()),
        passkey_options=new_passkey_options(current_user),
        passkeys=passkeys_of(current_user),
        has_app=confirmed_factor(current_user) is not None,
        codes_left=recovery_codes_left(current_user) if current_user.has_second_factor else 0,
        sections=settings_sections(),
        status=status,
    )


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password after checking the current one, and sign out other devices."""
    form = ChangePasswordForm()
    form.account_email, form.account_name = current_user.email, current_user.name
    if form.validate_on_submit():
        if check_password(current_user.password_hash, form.current.data):
            current_user.password_hash = hash_password(form.password.data)
            db.session.commit()
            ended = end_other_sessions(current_user)
            flash(
                _("Your password is changed.")
                + (" " + _("Other devices were signed out.") if ended else "")
            )
            return redirect(url_for("accounts.settings"))
        form.current.errors.append(_("That is not your current password."))
    return settings_page(422, password_form=form)


def login_required_message():
    """Explain why sign-in is needed: a timed-out session gets a kinder word than a bare form."""
    if g.get("session_timed_out"):
        return _(
            "You were signed out after a while without activity, to keep your information "
            "private. Please sign in again."
        )
    return _("Please sign in to see this page.")
