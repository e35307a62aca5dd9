"""Occurrences: series expanded into dated sessions, with the changes and attendance applied."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import (
    AbsenceNotice,
    Attendance,
    Enrollment,
    OccurrenceChange,
    SessionSeries,
)
from .recurrence import is_natural_start, natural_starts

KEY_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class Occurrence:
    """One dated session of a series, as it will happen (or happened)."""

    series: SessionSeries
    original_start: datetime  # UTC: the occurrence's identity, even after a move
    start: datetime
    end: datetime
    cancelled: bool = False
    moved: bool = False
    sequence: int = 0
    changed_at: datetime | None = None  # the care team's last change to this one occurrence
    note: str = ""  # the care team's note to clients; never shown to family
    family_note: str = ""  # written for family; the only note a family member sees
    attendance: Attendance | None = None
    notice: AbsenceNotice | None = None

    @property
    def key(self) -> str:
        return occurrence_key(self.original_start)

    @property
    def kind_label(self) -> str:
        return self.series.kind_label

    def has_ended(self, now: datetime) -> bool:
        return self.end <= now

    def in_progress(self, now: datetime) -> bool:
        return self.start <= now < self.end

    def for_family(self) -> "Occurrence":
        """Return what a family member may see: the same session, with only the family note."""
        return replace(self, note=self.family_note)


def occurrence_key(moment: datetime) -> str:
    """Name an occurrence by its original start in UTC, e.g. 20261123T230000Z."""
    return moment.astimezone(UTC).strftime(KEY_FORMAT)


KEY_YEARS = (1970, 2200)


def parse_key(key: str) -> datetime | None:
    """Read an occurrence key back, or None if it is not one."""
    try:
        moment = datetime.strptime(key, KEY_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    # Years 0001 and 9999 parse, then overflow in time-zone arithmetic; no session is there.
    return moment if KEY_YEARS[0] <= moment.year <= KEY_YEARS[1] else None


def series_for(person) -> list[SessionSeries]:
    """Return every series a client takes part in: their group's and their own."""
    if not person.is_client:  # family members go through visibility, which asks consent
        return []
    return series_for_clients([person.id])[person.id]


def series_for_clients(client_ids) -> dict[int, list[SessionSeries]]:
    """Return every series each client takes part in, their own and their group's, by client
    id, in one query."""
    found: dict[int, list[SessionSeries]] = {i: [] for i in client_ids}
    if not found:
        return found
    ids = list(found)
    own = select(SessionSeries.client_id, SessionSeries.id.label("series_id")).where(
        SessionSeries.client_id.in_(ids)
    )
    groups = (
        select(Enrollment.client_id, SessionSeries.id)
        .join(SessionSeries, SessionSeries.group_id == Enrollment.group_id)
        .where(Enrollment.client_id.in_(ids))
    )
    taken = union(own, groups).subquery()  # UNION: a series both theirs and their group's once
    rows = db.session.execute(
        select(taken.c.client_id, SessionSeries)
        .join(taken, taken.c.series_id == SessionSeries.id)
        .options(joinedload(SessionSeries.facilitator))
    )
    for client_id, series in rows:
        found[client_id].append(series)
    return found


def _changes(series_ids: list[int], start: datetime, end: datetime) -> dict:
    """Load the changes that touch a window: by original start near it or a move into it."""
    if not series_ids:
        return {}
    margin = timedelta(days=1)
    rows = db.session.scalars(
        select(OccurrenceChange).where(
            OccurrenceChange.series_id.in_(series_ids),
            or_(
                OccurrenceChange.original_start.between(start - margin, end + margin),
                and_(OccurrenceChange.new_start < end, OccurrenceChange.new_end > start),
            ),
        )
    )
    return {(c.series_id, c.original_start): c for c in rows}


def _apply(series, original_start, change, zone) -> Occurrence:
    start = original_start.astimezone(zone)
    occurrence = Occurrence(
        series,
        original_start.astimezone(UTC),
        start,
        start + timedelta(minutes=series.duration_minutes),
    )
    if change is not None:
        occurrence.cancelled = change.cancelled
        occurrence.sequence = change.sequence
        occurrence.changed_at = change.changed_at
        occurrence.note = change.note
        occurrence.family_note = change.family_note
        if change.new_start is not None and not change.cancelled:
            occurrence.moved = True
            occurrence.start = change.new_start.astimezone(zone)
            occurrence.end = change.new_end.astimezone(zone)
    return occurrence


def expand(series_list, start: datetime, end: datetime, zone) -> list[Occurrence]:
    """Return the occurrences of several series that overlap [start, end), sorted by start."""
    by_id = {s.id: s for s in series_list}
    changes = _changes(list(by_id), start, end)
    found: dict = {}
    for series in series_list:
        for natural in natural_starts(series, start, end):
            key = (series.id, natural.astimezone(UTC))
            found[key] = _apply(series, natural, changes.get(key), zone)
    for key, change in changes.items():
        if key not in found and change.new_start is not None and not change.cancelled:
            series = by_id[key[0]]
            if is_natural_start(series, change.original_start):
                found[key] = _apply(series, change.original_start, change, zone)
    return sorted(
        (o for o in found.values() if o.start < end and o.end > start),
        key=lambda o: (o.start, o.series.id),
    )


def expand_for(series_by_person: dict, start: datetime, end: datetime, zone) -> dict:
    """Expand each person's series for a window, by person id, expanding every series once.

    Each person gets copies of their own, in `expand`'s order: the copies carry that person's
    attendance and notice."""
    everyone = {s.id: s for series in series_by_person.values() for s in series}
    by_series: dict[int, list] = {}
    for position, o in enumerate(expand(list(everyone.values()), start, end, zone)):
        by_series.setdefault(o.series.id, []).append((position, o))
    result = {}
    for person_id, series in series_by_person.items():
        theirs = sorted(item for s in series for item in by_series.get(s.id, []))
        result[person_id] = [replace(o) for _position, o in theirs]
    return result


def attach_person_records(occurrences: list[Occurrence], person) -> list[Occurrence]:
    """Fill in a person's attendance and notices for these occurrences, in two queries."""
    return attach_records({person.id: occurrences})[person.id]


def attach_records(by_person: dict[int, list[Occurrence]]) -> dict[int, list[Occurrence]]:
    """Fill in each person's attendance and notices for their occurrences, in two queries."""
    everything = [o for items in by_person.values() for o in items]
    if not everything:
        return by_person
    people = list(by_person)
    low = min(o.original_start for o in everything)
    high = max(o.original_start for o in everything)
    attendance = {
        (a.client_id, a.series_id, a.occurrence_start): a
        for a in db.session.scalars(
            select(Attendance).where(
                Attendance.client_id.in_(people),
                Attendance.occurrence_start.between(low, high),
            )
        )
    }
    notices = {
        (n.person_id, n.series_id, n.occurrence_start): n
        for n in db.session.scalars(
            select(AbsenceNotice).where(
                AbsenceNotice.person_id.in_(people),
                AbsenceNotice.occurrence_start.between(low, high),
            )
        )
    }
    for person_id, items in by_person.items():
        for o in items:
            o.attendance = attendance.get((person_id, o.series.id, o.original_start))
            o.notice = notices.get((person_id, o.series.id, o.original_start))
    return by_person


def occurrences_for(person, start: datetime, end: datetime, zone) -> list[Occurrence]:
    """Return a client's occurrences in a window with their own attendance and notices.

    Readers use visibility.visible_occurrences, which also answers for family members."""
    return attach_person_records(expand(series_for(person), start, end, zone), person)


def find_occurrence(series: SessionSeries, original_start: datetime, zone) -> Occurrence | None:
    """Return the occurrence of a series with this original start, if the series has one."""
    if not is_natural_start(series, original_start):
        return None
    change = db.session.scalar(
        select(OccurrenceChange).where(
            OccurrenceChange.series_id == series.id,
            OccurrenceChange.original_start == original_start,
        )
    )
    return _apply(series, original_start, change, zone)
