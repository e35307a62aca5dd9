"""Everything the portal holds about a client, gathered for their own copy.

Each section is one query (or two), whatever the length of the client's history. Rows are
written out column by column, so a column added to a table later appears in the copy without
anyone remembering to add it; only secrets are left out (hashes of passwords and tokens, push
keys, authenticator keys), since they describe nothing about the person and would only help
someone who stole the file.

Left out on purpose, with why: `push_outbox` (reminders waiting to be sent, gone within hours),
`idempotency_keys` (which submissions a phone already sent: a hash and a number), `setup_links`
(one-time sign-in links, as hashes), the clinic's own group schedule changes (the sessions they
moved are in "sessions" as the client's calendar shows them).
"""

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import Passkey, RecoveryCode, TotpFactor, User, UserSession
from ..audit.models import AuditEvent
from ..checkins.models import CheckIn
from ..consent.models import ConsentGrant
from ..extensions import db
from ..family.models import FamilyInvitation
from ..homework.models import HomeworkAnswer, HomeworkAssignment, HomeworkCopy, HomeworkQuestion
from ..meetings.models import Meeting, MeetingAttendance, MeetingGoal, PersonalMeeting, SavedMeeting
from ..notifications.models import NotificationPreferences, PushSubscription
from ..recovery_plan.models import RecoveryPlan, SupportContact
from ..schedule.models import (
    AbsenceNotice,
    Attendance,
    CalendarFeed,
    Enrollment,
    Group,
    SessionSeries,
)

FORMAT = "iop-portal-my-data/1"
# Columns that hold secrets, in whatever table: never in a copy.
SECRETS = {
    "password_hash",
    "token_hash",
    "code_hash",
    "secret",
    "nonce",
    "p256dh",
    "auth",
    "endpoint",
    "public_key",
    "credential_id",
}
# Columns that say nothing about the person: left out with the secrets.
INTERNAL = {"data_version"}  # a random number that changes with their data (data_versions.py)


def _value(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def plain(row, **extra) -> dict:
    """Write a row out column by column, secrets (and internals) left out, with extra values."""
    columns = inspect(row).mapper.column_attrs
    data = {
        c.key: _value(getattr(row, c.key)) for c in columns if c.key not in SECRETS | INTERNAL
    }
    data.update({k: _value(v) for k, v in extra.items()})
    return data


def _rows(query) -> list:
    return list(db.session.execute(query))


def _profile(client: User) -> list[dict]:
    counselor = db.session.get(User, client.counselor_id) if client.counselor_id else None
    return [plain(client, counselor=counselor.name if counselor else None)]


def _program(client: User) -> list[dict]:
    query = (
        select(Enrollment, Group.name)
        .outerjoin(Group, Group.id == Enrollment.group_id)
        .where(Enrollment.client_id == client.id)
    )
    return [plain(e, group=name) for e, name in _rows(query)]


def _sessions(client: User) -> list[dict]:
    """The client's own series and their group's, as the calendar builds them."""
    group_id = select(Enrollment.group_id).where(Enrollment.client_id == client.id)
    query = select(SessionSeries).where(
        or_(SessionSeries.client_id == client.id, SessionSeries.group_id.in_(group_id))
    )
    return [plain(s) for s in db.session.scalars(query.order_by(SessionSeries.id))]


def _by_client(model, column="client_id", order=None):
    def rows(client: User) -> list[dict]:
        query = select(model).where(getattr(model, column) == client.id)
        query = query.order_by(order if order is not None else inspect(model).primary_key[0])
        return [plain(r) for r in db.session.scalars(query)]

    return rows


def _homework(client: User) -> list[dict]:
    copies = _rows(
        select(HomeworkCopy, HomeworkAssignment)
        .join(HomeworkAssignment, HomeworkAssignment.id == HomeworkCopy.assignment_id)
        .where(HomeworkCopy.client_id == client.id)
        .order_by(HomeworkCopy.id)
    )
    answers = _rows(
        select(HomeworkAnswer, HomeworkQuestion.text)
        .join(HomeworkQuestion, HomeworkQuestion.id == HomeworkAnswer.question_id)
        .join(HomeworkCopy, HomeworkCopy.id == HomeworkAnswer.copy_id)
        .where(HomeworkCopy.client_id == client.id)
        .order_by(HomeworkAnswer.question_id)
    )
    by_copy: dict[int, list] = {}
    for answer, prompt in answers:
        by_copy.setdefault(answer.copy_id, []).append(plain(answer, question=prompt))
    return [
        plain(
            copy,
            title=assignment.title,
            instructions=assignment.instructions,
            answers=by_copy.get(copy.id, []),
        )
        for copy, assignment in copies
    ]


def _saved_meetings(client: User) -> list[dict]:
    query = (
        select(SavedMeeting, Meeting.name)
        .join(Meeting, Meeting.id == SavedMeeting.meeting_id)
        .where(SavedMeeting.client_id == client.id)
        .order_by(SavedMeeting.id)
    )
    return [plain(s, meeting=name) for s, name in _rows(query)]


def _devices(client: User) -> list[dict]:
    query = select(PushSubscription).where(PushSubscription.user_id == client.id)
    return [plain(d) for d in db.session.scalars(query.order_by(PushSubscription.id))]


def _sign_in(client: User) -> list[dict]:
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == client.id).order_by(UserSession.id)
    )
    passkeys = db.session.scalars(
        select(Passkey).where(Passkey.user_id == client.id).order_by(Passkey.id)
    )
    app_since = db.session.scalar(
        select(TotpFactor.created_at).where(TotpFactor.user_id == client.id)
    )
    codes_left = db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == client.id, RecoveryCode.used_at.is_(None))
    )
    return [
        {
            "signed_in_sessions": [plain(s) for s in sessions],
            "passkeys": [plain(p) for p in passkeys],
            "authenticator_app_since": _value(app_since),
            "recovery_codes_left": codes_left,
        }
    ]


def _consents(client: User) -> list[dict]:
    invitations = _rows(
        select(FamilyInvitation)
        .join(ConsentGrant, ConsentGrant.id == FamilyInvitation.consent_id)
        .where(ConsentGrant.client_id == client.id)
    )
    sent = {}
    for (invitation,) in invitations:
        sent.setdefault(invitation.consent_id, []).append(plain(invitation))
    family = aliased(User)
    query = (
        select(ConsentGrant, family.name)
        .outerjoin(family, family.id == ConsentGrant.family_id)
        .where(ConsentGrant.client_id == client.id)
        .order_by(ConsentGrant.id)
    )
    return [
        plain(c, family_member_account=name, invitations=sent.get(c.id, []))
        for c, name in _rows(query)
    ]


def _audit(client: User, disclosures: bool) -> list[dict]:
    """Who saw or changed the client's record (staff views, reviews, exports), or what was
    disclosed to family under a consent."""
    actor = aliased(User)
    query = (
        select(AuditEvent, actor.name, actor.role)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(
            AuditEvent.client_id == client.id,
            AuditEvent.consent_id.is_not(None) if disclosures else AuditEvent.consent_id.is_(None),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [plain(e, by=name, by_role=role) for e, name, role in _rows(query)]


# (key, what it holds): the order of the page and of the JSON.
SECTIONS = (
    ("profile", _profile),
    ("program", _program),
    ("sessions", _sessions),
    ("attendance", _by_client(Attendance, order=Attendance.occurrence_start)),
    ("notices", _by_client(AbsenceNotice, "person_id", order=AbsenceNotice.occurrence_start)),
    ("checkins", _by_client(CheckIn, order=CheckIn.day)),
    ("recovery_plan", _by_client(RecoveryPlan)),
    ("support_contacts", _by_client(SupportContact)),
    ("homework", _homework),
    ("meetings_log", _by_client(MeetingAttendance, order=MeetingAttendance.attended_on)),
    ("saved_meetings", _saved_meetings),
    ("own_meetings", _by_client(PersonalMeeting)),
    ("meeting_goal", _by_client(MeetingGoal)),
    ("reminder_settings", _by_client(NotificationPreferences, "user_id")),
    ("devices", _devices),
    ("calendar_feed", _by_client(CalendarFeed, "user_id")),
    ("sign_in", _sign_in),
    ("consents", _consents),
    ("disclosures", lambda client: _audit(client, disclosures=True)),
    ("record_views", lambda client: _audit(client, disclosures=False)),
)


def export(client: User, *, now: datetime) -> dict:
    """Return everything the portal holds about the client, section by section."""
    return {
        "format": FORMAT,
        "made_at": now.isoformat(),
        "sections": {key: rows(client) for key, rows in SECTIONS},
    }
