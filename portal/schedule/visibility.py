"""Who may see which session: the one rule every reader calls (pages, feeds, Today, reminders).

A client sees their group's sessions and their own, until their program ends (a discharge).
A family member sees only the family sessions they are on, of a client whose consent is valid
at `now`, and only those that start inside that consent's window; what they see carries the
family note, never the staff note. Every disclosure to a family member is logged here, under
the consent it relied on."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.program import stage
from ..consent.models import ConsentGrant
from ..consent.rules import consents_for_families, consents_for_family, record_disclosure
from ..extensions import db
from .models import Enrollment, SeriesFamilyMember, SessionSeries
from .occurrences import (
    Occurrence,
    attach_records,
    expand_for,
    find_occurrence,
    series_for_clients,
)

# Each statement's IN lists stay far below SQLite's 32,766 variables and PostgreSQL's 65,535
# parameters however many people have a device.
PEOPLE_PER_BATCH = 5000


def _family_series(held: dict[int, dict[int, ConsentGrant]]) -> dict[int, list[SessionSeries]]:
    """Return the family series each family member is on, of clients whose consent they hold."""
    found: dict[int, list[SessionSeries]] = {i: [] for i in held}
    clients = {c for consents in held.values() for c in consents}
    if not clients:
        return found
    rows = db.session.execute(
        select(SeriesFamilyMember.family_id, SessionSeries)
        .join(SessionSeries, SessionSeries.id == SeriesFamilyMember.series_id)
        .where(
            SeriesFamilyMember.family_id.in_(list(held)),
            SessionSeries.kind == "family",
            SessionSeries.client_id.in_(clients),
        )
        .options(joinedload(SessionSeries.facilitator))
    )
    for family_id, series in rows:
        if series.client_id in held[family_id]:
            found[family_id].append(series)
    return found


def _disclose(consents: dict[int, ConsentGrant], person, what: str | None) -> None:
    for grant in consents.values() if what else ():
        record_disclosure(grant, person, what)


def visible_occurrences(
    person, start: datetime, end: datetime, now: datetime, zone, disclosing: str | None = None
) -> list[Occurrence]:
    """Return the occurrences this person may see in [start, end), as of `now`.

    `disclosing` names what a family member is shown (e.g. "family.feed"); it is logged once
    per consent relied on. Readers that only compute (reminder sources) pass None."""
    seen, held = _visible([person], start, end, now, zone)
    _disclose(held.get(person.id, {}), person, disclosing)
    return seen[person.id]


def visible_occurrences_for(
    people, start: datetime, end: datetime, now: datetime, zone
) -> dict[int, list[Occurrence]]:
    """Return what each person may see in [start, end) as of `now`, by person id: the rule of
    `visible_occurrences`, for many people in a fixed number of queries (the dispatcher asks
    for everyone with a device on every pass). It logs no disclosure: reminder sources only
    compute, and the dispatcher logs what it sent."""
    people, seen = list(people), {}
    for i in range(0, len(people), PEOPLE_PER_BATCH):
        seen |= _visible(people[i : i + PEOPLE_PER_BATCH], start, end, now, zone)[0]
    return seen


def _visible(people, start, end, now, zone):
    """Return what each person sees, and the consents each family member holds (to log)."""
    clients = [p for p in people if p.is_client]
    family = [p for p in people if p.is_family]
    held = consents_for_families([p.id for p in family], now)
    series = series_for_clients(p.id for p in clients) | _family_series(held)
    items = attach_records(expand_for(series, start, end, zone))
    seen = {p.id: [] for p in people}  # the care team has no sessions of its own here
    for p in clients:
        seen[p.id] = _client_view(p, items[p.id], start, end, now)
    for p in family:
        seen[p.id] = _family_view(items[p.id], held[p.id], now)
    return seen, held


def _client_view(person, items: list[Occurrence], start, end, now) -> list[Occurrence]:
    """Keep the client's occurrences in the window that fall in their program."""
    # After a discharge the program's sessions stop; aftercare has none. Cutting the shared
    # window's occurrences at the program's end keeps what expanding up to it would give.
    end = min(end, stage(person, now=now).program_end or end)
    return [o for o in items if o.start < end and o.end > start] if start < end else []


def _family_view(items: list[Occurrence], consents: dict[int, ConsentGrant], now):
    """Keep what the consents cover, inside each client's program, with only family notes."""
    ends = {c: stage(g.client, now=now).program_end for c, g in consents.items()}
    return [
        o.for_family()
        for o in items
        if consents[o.series.client_id].covers(o.start)
        and _before_end(o, ends[o.series.client_id])
    ]


def _before_end(occurrence: Occurrence, program_end: datetime | None) -> bool:
    """A session after the client's program ended is not theirs to share (nor to show)."""
    return program_end is None or occurrence.start < program_end


def family_consents(person, now: datetime) -> list[ConsentGrant]:
    """Return the consents a family member holds at `now`, for pages that list them."""
    return list(consents_for_family(person, now).values())


def _client_takes_part(person, series: SessionSeries) -> bool:
    if series.client_id == person.id:
        return True
    group_id = db.session.scalar(
        select(Enrollment.group_id).where(Enrollment.client_id == person.id)
    )
    return series.group_id is not None and series.group_id == group_id


def visible_occurrence(
    person, series: SessionSeries, original_start: datetime, now: datetime, zone, disclosing=None
) -> Occurrence | None:
    """Return one occurrence if this person may see it as of `now`, else None."""
    if person.is_staff:
        return find_occurrence(series, original_start, zone)
    if person.is_client:
        if not _client_takes_part(person, series):
            return None
        occurrence = find_occurrence(series, original_start, zone)
        ended = stage(person, now=now).program_end
        return None if occurrence is None or (ended and occurrence.start >= ended) else occurrence
    if not person.is_family or series.kind != "family":
        return None
    held = {person.id: consents_for_family(person, now)}
    grant = held[person.id].get(series.client_id)
    if grant is None or series not in _family_series(held)[person.id]:
        return None
    occurrence = find_occurrence(series, original_start, zone)
    if occurrence is None or not grant.covers(occurrence.start):
        return None
    if not _before_end(occurrence, stage(grant.client, now=now).program_end):
        return None
    _disclose({grant.client_id: grant}, person, disclosing)
    return occurrence.for_family()


def record_sent_reminders(person, series_ids: set[int], now: datetime) -> None:
    """Log the session reminders just sent to a family member, under the consents they used."""
    consents = consents_for_family(person, now)
    clients = set(
        db.session.scalars(select(SessionSeries.client_id).where(SessionSeries.id.in_(series_ids)))
    )
    _disclose({c: g for c, g in consents.items() if c in clients}, person, "family.reminder")
