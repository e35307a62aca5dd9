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
from ..consent.rules import consents_for_family, record_disclosure
from ..extensions import db
from .models import Enrollment, SeriesFamilyMember, SessionSeries
from .occurrences import (
    Occurrence,
    attach_person_records,
    expand,
    find_occurrence,
    occurrences_for,
)


def _family_series(person, client_ids) -> list[SessionSeries]:
    if not client_ids:
        return []
    return list(
        db.session.scalars(
            select(SessionSeries)
            .join(SeriesFamilyMember, SeriesFamilyMember.series_id == SessionSeries.id)
            .where(
                SeriesFamilyMember.family_id == person.id,
                SessionSeries.kind == "family",
                SessionSeries.client_id.in_(client_ids),
            )
            .options(joinedload(SessionSeries.facilitator))
        ).unique()
    )


def _disclose(consents: dict[int, ConsentGrant], person, what: str | None) -> None:
    for grant in consents.values() if what else ():
        record_disclosure(grant, person, what)


def visible_occurrences(
    person, start: datetime, end: datetime, now: datetime, zone, disclosing: str | None = None
) -> list[Occurrence]:
    """Return the occurrences this person may see in [start, end), as of `now`.

    `disclosing` names what a family member is shown (e.g. "family.feed"); it is logged once
    per consent relied on. Readers that only compute (reminder sources) pass None."""
    if person.is_client:
        # After a discharge the program's sessions stop; aftercare has none.
        end = min(end, stage(person, now=now).program_end or end)
        return occurrences_for(person, start, end, zone) if start < end else []
    if not person.is_family:
        return []
    consents = consents_for_family(person, now)
    series = _family_series(person, list(consents))
    items = attach_person_records(expand(series, start, end, zone), person)
    ends = {c: stage(g.client, now=now).program_end for c, g in consents.items()}
    visible = [
        o.for_family()
        for o in items
        if consents[o.series.client_id].covers(o.start)
        and _before_end(o, ends[o.series.client_id])
    ]
    _disclose(consents, person, disclosing)
    return visible


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
    grant = consents_for_family(person, now).get(series.client_id)
    if grant is None or series not in _family_series(person, [series.client_id]):
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
