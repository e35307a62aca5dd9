"""Family access: the client invites and consents; the family member joins and sees dates."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import refuse, role_required
from ..accounts.passwords import hash_password
from ..accounts.registration import create_account, email_taken
from ..accounts.sessions import start_session
from ..addresses import public_url
from ..audit.models import AuditEvent
from ..audit.visits import visits
from ..extensions import db, limiter
from ..htmx import render
from ..schedule.occurrences import occurrences_for
from ..timeutil import clinic_zone, utcnow
from .consent import (
    ConsentIncomplete,
    accept,
    consents_for_family,
    draft_consent,
    find_invitation,
    invite,
    normal_code,
    program_end,
    record_family_disclosures,
    revoke,
    sign_consent,
    within_consent,
)
from .forms import CodeForm, InviteForm, JoinForm, RevokeForm, SignForm
from .models import ConsentGrant

bp = Blueprint("family", __name__, url_prefix="/family")
LOOKAHEAD_DAYS = 120
DISCLOSURES = {
    "family.sessions": _l("Saw the family-session dates"),
    "family.feed": _l("Their calendar app fetched the dates"),
    "family.reminder": _l("Was sent a reminder of a family session"),
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
        "consent_status_label": lambda grant: str(STATUSES[grant.status(utcnow())]),
    }


def get_consent_or_404(consent_id: int) -> ConsentGrant:
    """Load one of the signed-in client's own consents, or answer 404."""
    grant = db.session.get(ConsentGrant, consent_id)
    if grant is None or not current_user.is_authenticated or grant.client_id != current_user.id:
        refuse()
    return grant


@bp.get("/")
@role_required("family")
def home():
    """Show the family sessions this person may see, per client, under a valid consent."""
    zone, now = clinic_zone(), utcnow()
    consents = consents_for_family(current_user, now)
    items = within_consent(
        occurrences_for(current_user, now, now + timedelta(days=LOOKAHEAD_DAYS), zone),
        current_user,
        now,
    )
    by_client = {grant.client_id: [] for grant in consents}
    for item in items:
        by_client.setdefault(item.series.client_id, []).append(item)
    record_family_disclosures(current_user, "family.sessions")
    return render("family/home.html", consents=consents, by_client=by_client, now=now)


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def join_with_code():
    """Let a family member type the code from their invitation."""
    form = CodeForm()
    if form.validate_on_submit():
        if find_invitation(form.code.data):
            return redirect(url_for("family.join", secret=normal_code(form.code.data)))
        form.code.errors = [_("That code does not work. Check it, or ask for a new invitation.")]
    return render("family/join_code.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/join/<secret>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def join(secret):
    """Accept an invitation: create a family account, or link the one you are signed in with."""
    invitation = find_invitation(secret)
    if invitation is None:
        return render("family/join_invalid.html", status=410)
    grant = invitation.consent
    if current_user.is_authenticated and not current_user.is_family:
        return render("family/join_wrong_account.html", status=409)
    if current_user.is_authenticated:
        if request.method == "POST":
            accept(invitation, current_user)
            flash(_("Done. You can now see the family sessions you are part of."))
            return redirect(url_for("family.home"))
        return render("family/join_link.html", grant=grant)
    form = JoinForm()
    form.account_email = form.email.data or ""
    if request.method == "GET":
        form.name.data, form.email.data = grant.recipient_name, grant.recipient_email
    if form.validate_on_submit():
        if email_taken(form.email.data):
            form.email.errors = [
                _(
                    "An account with this email exists. Sign in first, then "
                    "open the invitation again."
                )
            ]
        else:
            person = create_account(form.email.data, form.name.data, "family")
            person.password_hash = hash_password(form.password.data)
            db.session.commit()
            accept(invitation, person)
            start_session(person)
            return redirect(url_for("family.home"))
    return render(
        "family/join.html", form=form, grant=grant, status=422 if form.is_submitted() else 200
    )


@bp.get("/consents")
@role_required("client")
def consents():
    """List the client's consents: who can see their family-session dates, and until when."""
    rows = db.session.scalars(
        select(ConsentGrant)
        .where(ConsentGrant.client_id == current_user.id)
        .order_by(ConsentGrant.signed_at.desc())
    ).all()
    return render("family/consents.html", consents=rows, now=utcnow())


@bp.route("/consents/new", methods=["GET", "POST"])
@role_required("client")
def new_consent():
    """Invite a family member: their details, then the consent to read and sign."""
    signing = request.form.get("step") == "sign"
    form = SignForm() if signing else InviteForm()
    if request.method == "GET":
        end = program_end(current_user)
        form.expires_on.data = (
            end if end and end > utcnow().astimezone(clinic_zone()).date() else None
        )
    if not form.validate_on_submit():
        template = "family/sign.html" if signing else "family/invite.html"
        return render(
            template,
            form=form,
            preview=_preview(form) if signing else "",
            status=422 if form.is_submitted() else 200,
        )
    if not signing:
        carried = {
            name: form[name].data
            for name in ("recipient_name", "relationship", "email", "expires_on")
        }
        return render(
            "family/sign.html", form=SignForm(formdata=None, data=carried), preview=_preview(form)
        )
    try:
        grant = sign_consent(
            current_user,
            form.recipient_name.data,
            form.relationship.data,
            form.email.data,
            form.expires_on.data,
            form.signature.data,
        )
    except ConsentIncomplete:
        form.signature.errors = [_("This consent is missing something and was not saved.")]
        return render("family/sign.html", form=form, preview=_preview(form), status=422)
    return _render_invitation(grant, *invite(grant))


def _preview(form) -> str:
    """Write out the consent the client is about to sign, exactly as it will be stored."""
    signature = form.signature.data if isinstance(form, SignForm) and form.signature.data else ""
    return draft_consent(
        current_user,
        form.recipient_name.data or "",
        form.relationship.data or "",
        form.email.data or "",
        form.expires_on.data or utcnow().date(),
        signature or _("(your typed name)"),
    ).text


def _render_invitation(grant: ConsentGrant, token: str, code: str):
    link = public_url("family.join", secret=token)
    return render(
        "family/invitation.html", grant=grant, link=link, code=f"{code[:5]}-{code[5:]}", status=201
    )


@bp.get("/consents/<int:consent_id>")
@role_required("client")
def consent(consent_id):
    """Show one consent as signed, what it led to, and the way to take it back."""
    grant = get_consent_or_404(consent_id)
    disclosures = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.consent_id == grant.id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    return render(
        "family/consent.html", grant=grant, now=utcnow(), form=RevokeForm(), disclosures=disclosures
    )


@bp.post("/consents/<int:consent_id>/invitation")
@role_required("client")
def new_invitation(consent_id):
    """Make a new invitation for a consent that is still good; older ones stop working."""
    grant = get_consent_or_404(consent_id)
    if not grant.is_valid(utcnow()) or grant.family_id is not None:
        refuse()
    return _render_invitation(grant, *invite(grant))


@bp.post("/consents/<int:consent_id>/revoke")
@role_required("client")
def revoke_consent(consent_id):
    """Take a consent back, after a tick to confirm."""
    grant = get_consent_or_404(consent_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return render(
            "family/consent.html", grant=grant, now=utcnow(), form=form, disclosures=[], status=422
        )
    if grant.revoked_at is None:
        revoke(grant)
    flash(_("Stopped. %(name)s can no longer see your family sessions.", name=grant.recipient_name))
    return redirect(url_for("family.consent", consent_id=grant.id))


@bp.get("/disclosures")
@role_required("client")
def disclosures():
    """Show who saw what under the client's consents."""
    rows = db.session.execute(
        select(AuditEvent, ConsentGrant)
        .join(ConsentGrant, AuditEvent.consent_id == ConsentGrant.id)
        .where(AuditEvent.client_id == current_user.id)
        .order_by(AuditEvent.at.desc())
        .limit(200)
    ).all()
    return render("family/disclosures.html", rows=visits(rows))
