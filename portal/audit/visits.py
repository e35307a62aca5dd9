"""Turn the audit log's requests into visits, for the people who read it (not for the log).

The log keeps every request; someone reading "who saw what" wants one line per visit: the same
person seeing the same thing again within VISIT_GAP is the same visit.
"""

from datetime import timedelta

VISIT_GAP = timedelta(minutes=30)


def visits(rows, gap: timedelta = VISIT_GAP) -> list:
    """Collapse rows of (AuditEvent, …), newest first, into the first row of each visit."""
    result, last_seen = [], {}
    for row in rows:
        event = row[0]
        key = (event.actor_id, event.consent_id, event.what, event.object_id)
        later = last_seen.get(key)
        last_seen[key] = event.at
        if later is not None and later - event.at <= gap:
            continue
        result.append(row)
    return result
