"""The demo clinic's homework: two open pieces for the demo client, one done with feedback, and
one for the evening group."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..schedule.models import Group
from ..timeutil import clinic_zone
from .models import HomeworkAssignment
from .rules import assign, hand_in, leave_feedback, next_session_for_group

THOUGHT_RECORD = """Use the worksheet below when a craving or a hard moment comes up.

1. Write down **what happened** and what you were thinking.
2. Name the feeling and how strong it was, from 0 to 10.
3. Write one more balanced thought.

More about this in [the thought record guide](https://www.getselfhelp.co.uk/thought-record/)."""


def seed_homework(people: dict, now: datetime) -> None:
    """Create the demo homework once; a second run finds it and stops."""
    if db.session.scalar(select(HomeworkAssignment.id).limit(1)) is not None:
        return
    counselor = people["counselor@example.org"]
    client = people["client@example.org"]
    today = now.astimezone(clinic_zone()).date()

    def evening(days: int) -> datetime:
        """6 pm in the clinic's zone, some days from today: a due time people would choose."""
        return datetime.combine(today + timedelta(days=days), time(18), clinic_zone())

    assign(
        counselor,
        "Thought record",
        THOUGHT_RECORD,
        evening(2),
        client=client,
        questions=[
            "What happened, and what went through your mind?",
            "What did you feel, and how strong was it (0–10)?",
            "What is a more balanced way to see it?",
        ],
        now=now - timedelta(days=1),
    )
    assign(
        counselor,
        "Read: coping with cravings",
        "Read the short article below and note **one idea** you want to try this week.",
        evening(-1),
        client=client,
        resources=[
            (
                "Coping with cravings (SAMHSA)",
                "https://www.samhsa.gov/find-support/how-to-cope",
            )
        ],
        questions=["Which idea will you try, and when?"],
        now=now - timedelta(days=5),
    )
    done = assign(
        counselor,
        "Walk for 20 minutes, three times",
        "A short walk helps with restlessness. Mark it done when you have had three walks.",
        evening(-3),
        client=client,
        now=now - timedelta(days=9),
    )
    copy = done.copies[0]
    hand_in(copy, {}, "done", now=now - timedelta(days=4))
    leave_feedback(
        copy,
        counselor,
        "Well done, Alex. Three walks in a busy week is real effort. Keep it going.",
        now=now - timedelta(days=3),
    )
    group = db.session.scalar(select(Group).where(Group.name == "Evening group"))
    session = next_session_for_group(group, now) if group else None
    if session:
        assign(
            counselor,
            "Bring one trigger to talk about",
            "Think of one situation this week that made you want to use. Bring it to group.",
            session.start,
            group=group,
            next_session=session,
            now=now,
        )
