"""The client's side of family access: sign a consent, invite, see disclosures, revoke."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import refuse, role_required
from ..addresses import public_url
from ..audit.models import AuditEvent
from ..audit.visits import visits
from ..consent.models import ConsentGrant
from ..consent.rules import consents_of_client
from ..consent.text import signature_problem
from ..extensions import db
from ..htmx import render
from ..timeutil import clinic_zone, utcnow
from .forms import InviteForm, RevokeForm, SignForm
from .invitations import (
    ConsentIncomplete,
    draft_consent,
    invite,
    program_end,
    stop_sharing,
    store_consent,
)
from .views import bp, get_consent_or_404

CARRIED = (
    "recipient_name",
    "relationship",
    "email",
    "expires_on",
    "representative_name",
    "representative_relationship",
)


@bp.get("/consents")
@role_required("client")
def consents():
    """List the client's consents: who can see their family-session dates, and until when."""
    return render("family/consents.html", consents=consents_of_client(current_user), now=utcnow())


@bp.route("/consents/new", methods=["GET", "POST"])
@role_required("client")
def new_consent():
    """Invite a family member: their details, then the consent to read and sign."""
    now = utcnow()
    today = now.astimezone(clinic_zone()).date()
    signing = request.form.get("step") == "sign"
    form = SignForm(today=today) if signing else InviteForm(today=today)
    if request.method == "GET":
        end = program_end(current_user)
        form.expires_on.data = end if end and end > today else None
    if not form.validate_on_submit():
        template = "family/sign.html" if signing else "family/invite.html"
        preview = _draft(form, now).text if signing else ""
        status = 422 if form.is_submitted() else 200
        return render(template, form=form, preview=preview, status=status)
    if not signing:
        carried = {name: form[name].data for name in CARRIED}
        form = SignForm(formdata=None, data=carried, today=today)
        return render("family/sign.html", form=form, preview=_draft(form, now).text)
    grant = _draft(form, now, form.signature.data)
    problem = signature_problem(grant)
    if problem:
        form.signature.errors = [problem]
        return render("family/sign.html", form=form, preview=_draft(form, now).text, status=422)
    try:
        store_consent(grant)
    except ConsentIncomplete:
        form.signature.errors = [_("This consent is missing something and was not saved.")]
        return render("family/sign.html", form=form, preview=grant.text, status=422)
    return _render_invitation(grant, *invite(grant, now))


def _draft(form, now, signature: str = "") -> ConsentGrant:
    """Write out the consent the client is about to sign, exactly as it will be stored."""
    return draft_consent(
        current_user,
        form.recipient_name.data or "",
        form.relationship.data or "",
        form.email.data or "",
        form.expires_on.data or now.astimezone(clinic_zone()).date(),
        signature or _("(your full name)"),
        now,
        (form.representative_name.data or "", form.representative_relationship.data or ""),
    )


def _render_invitation(grant: ConsentGrant, token: str, code: str):
    link = public_url("family.join", secret=token)
    return render(
        "family/invitation.html", grant=grant, link=link, code=f"{code[:5]}-{code[5:]}", status=201
    )


def _disclosures_of(grant: ConsentGrant) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.consent_id == grant.id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()


@bp.get("/consents/<int:consent_id>")
@role_required("client")
def consent(consent_id):
    """Show one consent as signed, what it led to, and the way to take it back."""
    grant = get_consent_or_404(consent_id)
    return render(
        "family/consent.html",
        grant=grant,
        now=utcnow(),
        form=RevokeForm(),
        disclosures=_disclosures_of(grant),
    )


@bp.post("/consents/<int:consent_id>/invitation")
@role_required("client")
def new_invitation(consent_id):
    """Make a new invitation for a consent that is still good; older ones stop working."""
    grant = get_consent_or_404(consent_id)
    now = utcnow()
    if not grant.is_valid(now) or grant.family_id is not None:
        refuse()
    return _render_invitation(grant, *invite(grant, now))


@bp.post("/consents/<int:consent_id>/revoke")
@role_required("client")
def revoke_consent(consent_id):
    """Take a consent back, after a tick to confirm."""
    grant = get_consent_or_404(consent_id)
    form = RevokeForm()
    now = utcnow()
    if not form.validate_on_submit():
        return render(
            "family/consent.html", grant=grant, now=now, form=form, disclosures=[], status=422
        )
    if grant.revoked_at is None:
        stop_sharing(grant, now)
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
    return render("family/disclosures.html", rows=visits(rows), now=utcnow())
