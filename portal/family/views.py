"""Family access: the client invites and consents; the family member joins and sees dates."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import refuse, role_required
from ..accounts.passwords import hash_password, spend_password_time
from ..accounts.registration import create_account, email_taken
from ..accounts.sessions import start_session
from ..consent.models import ConsentGrant
from ..consent.rules import consents_for_family, record_disclosure
from ..consent.text import disclosure_notice
from ..extensions import db, limiter
from ..htmx import render
from ..schedule.visibility import family_consents, visible_occurrences
from ..timeutil import clinic_zone, utcnow
from .forms import CodeForm, JoinForm
from .invitations import (
    accept,
    find_invitation,
    is_code,
    is_recipient_account,
    normal_code,
    proves_recipient,
)

bp = Blueprint("family", __name__, url_prefix="/family")
LOOKAHEAD_DAYS = 120
# Guessing codes by GET is throttled like guessing them by POST.
JOIN_LIMIT = "20 per minute"
DISCLOSURES = {
    "family.sessions": _l("Saw the family-session dates"),
    "family.session": _l("Opened one family session"),
    "family.feed": _l("Their calendar app fetched the dates"),
    "family.reminder": _l("Was sent a reminder of a family session"),
    "family.consent": _l("Opened their copy of the consent"),
}
STATUSES = {
    "active": _l("Can see family sessions"),
    "invited": _l("Invited, not joined yet"),
    "revoked": _l("Stopped"),
    "expired": _l("Ended"),
}


@bp.app_context_processor
def family_helpers():
    return {
        "disclosure_label": lambda what: str(DISCLOSURES.get(what, what)),
        "consent_status_label": lambda grant, now: str(STATUSES[grant.status(now)]),
    }


def get_consent_or_404(consent_id: int) -> ConsentGrant:
    """Load one of the signed-in client's own consents, or answer 404."""
    grant = db.session.get(ConsentGrant, consent_id)
    if grant is None or not current_user.is_authenticated or grant.client_id != current_user.id:
        refuse()
    return grant


def get_held_consent_or_404(consent_id: int) -> ConsentGrant:
    """Load a consent the signed-in family member holds and that is valid now, or answer 404."""
    held = consents_for_family(current_user, utcnow()).values()
    return next((grant for grant in held if grant.id == consent_id), None) or refuse()


@bp.get("/")
@role_required("family")
def home():
    """Show the family sessions this person may see, per client, under a valid consent."""
    zone, now = clinic_zone(), utcnow()
    end = now + timedelta(days=LOOKAHEAD_DAYS)
    items = visible_occurrences(current_user, now, end, now, zone, disclosing="family.sessions")
    consents = family_consents(current_user, now)
    by_client = {grant.client_id: [] for grant in consents}
    for item in items:
        by_client[item.series.client_id].append(item)
    return render(
        "family/home.html",
        consents=consents,
        by_client=by_client,
        now=now,
        notice=disclosure_notice() if consents else "",
    )


@bp.get("/consents/<int:consent_id>/copy")
@role_required("family")
def consent_copy(consent_id):
    """Show the family member their copy of the consent, with the notice that comes with it."""
    grant = get_held_consent_or_404(consent_id)
    record_disclosure(grant, current_user, "family.consent")
    return render("family/consent_copy.html", grant=grant, notice=disclosure_notice())


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT)
def join_with_code():
    """Let a family member type the code from their invitation."""
    form = CodeForm()
    if form.validate_on_submit():
        if find_invitation(form.code.data, utcnow()):
            return redirect(url_for("family.join", secret=normal_code(form.code.data)))
        form.code.errors = [_("That code does not work. Check it, or ask for a new invitation.")]
    return render("family/join_code.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/join/<secret>", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT)
def join(secret):
    """Accept an invitation as the person it names: a new family account, or the one signed in."""
    now = utcnow()
    invitation = find_invitation(secret, now)
    if invitation is None:
        if request.method == "POST":
            spend_password_time()
        return render("family/join_invalid.html", status=410)
    grant = invitation.consent
    if current_user.is_authenticated:
        return _join_signed_in(invitation, now)
    form = JoinForm()
    form.account_email = grant.recipient_email
    if is_code(secret):  # the code was the key; only the invited email can prove the person
        form.proof.label.text = _("The email this invitation was sent to")
    if form.validate_on_submit():
        if not proves_recipient(invitation, secret, form.proof.data):
            spend_password_time()  # as long as the right person's account being made
            form.proof.errors = [_not_you_message()]
        elif email_taken(grant.recipient_email):
            form.proof.errors = [
                _("You already have an account. Sign in first, then open the invitation again.")
            ]
        else:
            person = create_account(grant.recipient_email, grant.recipient_name, "family")
            person.password_hash = hash_password(form.password.data)
            db.session.commit()
            accept(invitation, person, now)
            start_session(person)
            return redirect(url_for("family.home"))
    return render(
        "family/join.html",
        form=form,
        grant=grant,
        by_code=is_code(secret),
        status=422 if form.is_submitted() else 200,
    )


def _not_you_message() -> str:
    return _(
        "That does not match this invitation. Type the code the person who invited you gave "
        "you, or the email address the invitation was sent to."
    )


def _join_signed_in(invitation, now):
    """Link the signed-in account, only if it is the family account the consent names."""
    if not current_user.is_family:
        return render("family/join_wrong_account.html", status=409)
    if not is_recipient_account(invitation, current_user):
        return render("family/join_not_you.html", status=403)
    if request.method == "POST":
        accept(invitation, current_user, now)
        flash(_("Done. You can now see the family sessions you are part of."))
        return redirect(url_for("family.home"))
    return render("family/join_link.html", grant=invitation.consent)
