"""Fill a database with a large clinic: 2,000 clients, each with a year of history.

Groups of 12 meet Mon/Wed/Thu 18:00-21:00; every client also has a weekly individual
session; every past occurrence has attendance. Bulk inserts keep it to seconds.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, insert, select

from portal.accounts.models import TotpFactor, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.schedule.models import Attendance, Enrollment, Group, SessionSeries
from portal.schedule.occurrences import expand
from portal.timeutil import clinic_zone, utcnow

PASSWORD = "bench-password-2026"  # noqa: S105
# Every counselor's authenticator holds this key, so the benchmark can type their codes.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
GROUP_SIZE = 12
CASELOAD = 50  # clients per counselor: 40 counselors for 2,000 clients


def email(i: int) -> str:
    return f"client{i:05d}@bench.example.org"


def counselor_email(i: int) -> str:
    return f"counselor{i:02d}@bench.example.org"


def build(clients: int = 2000, days: int = 365) -> dict:
    """Create the clinic unless it is there already; return counts."""
    if db.session.scalar(select(func.count()).select_from(User)) >= clients:
        return {"clients": clients, "skipped": True}
    zone, now = clinic_zone(), utcnow()
    start = now.astimezone(zone).date() - timedelta(days=days)
    password_hash = hash_password(PASSWORD)
    staff = [
        User(
            email=counselor_email(i),
            name=f"Counselor {i}",
            role="staff",
            password_hash=password_hash,
            second_factor_at=now,
        )
        for i in range(max(1, clients // CASELOAD))
    ]
    db.session.add_all(staff)
    db.session.flush()
    db.session.add_all(TotpFactor(user_id=s.id, secret=TOTP_SECRET) for s in staff)
    db.session.execute(
        insert(User),
        [
            {
                "email": email(i),
                "name": f"Client {i}",
                "role": "client",
                "is_admin": False,
                "password_hash": password_hash,
                "active": True,
                "counselor_id": staff[i // CASELOAD % len(staff)].id,
                "created_at": datetime.now(UTC),
            }
            for i in range(clients)
        ],
    )
    ids = list(db.session.scalars(select(User.id).where(User.role == "client").order_by(User.id)))
    groups = [Group(name=f"Group {g}") for g in range(0, clients, GROUP_SIZE)]
    db.session.add_all(groups)
    db.session.flush()
    db.session.execute(
        insert(Enrollment),
        [
            {
                "client_id": cid,
                "group_id": groups[i // GROUP_SIZE].id,
                "start_date": start,
                "planned_weeks": 60,
                "phase": "maintenance",
                "required_minutes_per_week": 540,
                "absence_warning_at": 2,
            }
            for i, cid in enumerate(ids)
        ],
    )
    tz = str(zone)
    series = [
        SessionSeries(
            kind="group",
            group_id=g.id,
            timezone=tz,
            start_date=start,
            start_time=time(18),
            duration_minutes=180,
            weekdays="0,2,3",
            place="1200 Harbor Street",
            room="Room 2",
        )
        for g in groups
    ]
    series += [
        SessionSeries(
            kind="individual",
            client_id=cid,
            timezone=tz,
            start_date=start,
            start_time=time(9 + i % 8),
            duration_minutes=60,
            weekdays=str(i % 5),
            room="Office 4",
        )
        for i, cid in enumerate(ids)
    ]
    db.session.add_all(series)
    db.session.flush()
    rows = []
    members = {}
    for i, cid in enumerate(ids):
        members.setdefault(groups[i // GROUP_SIZE].id, []).append(cid)
    past_from = datetime.combine(start, time(0), tzinfo=zone)
    for s in series:
        people = members[s.group_id] if s.group_id else [s.client_id]
        for o in expand([s], past_from, now, zone):
            if o.end <= now:
                for cid in people:
                    rows.append(
                        {
                            "client_id": cid,
                            "series_id": s.id,
                            "occurrence_start": o.original_start,
                            "status": "attended",
                            "minutes": s.duration_minutes,
                            "recorded_at": now,
                        }
                    )
        if len(rows) > 50_000:
            db.session.execute(insert(Attendance), rows)
            rows = []
    if rows:
        db.session.execute(insert(Attendance), rows)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(Attendance))
    return {"clients": clients, "series": len(series), "attendance_rows": total}
