"""Devices that take push messages, what each person wants to hear about, and the outbox."""

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, Time, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

# What happened to an outbox row. Only "pending" rows are sent; "sending" marks a row a pass has
# claimed and not yet finished (a killed pass leaves it there until its lease runs out).
STATUSES = ("pending", "sending", "sent", "failed", "gone", "expired", "withdrawn")
URGENCIES = ("very-low", "low", "normal", "high")


class PushSubscription(db.Model):
    """One browser on one device that agreed to show this person's reminders."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(120))
    auth: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A label such as "Chrome on Android", never the whole User-Agent string.
    device_label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def info(self) -> dict:
        """Return the subscription as pywebpush wants it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class NotificationPreferences(db.Model):
    """What one person wants to be reminded of, and when not to be disturbed.

    A None lead time or time of day means "off", so these columns have no defaults of their own
    (SQLAlchemy would put a default in place of an explicit None): build a new row with
    `reminders.default_preferences`, which holds the issue's defaults.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    session_lead_minutes: Mapped[int | None] = mapped_column()
    session_evening_before: Mapped[bool] = mapped_column(default=True)
    homework_lead_hours: Mapped[int | None] = mapped_column()
    homework_overdue: Mapped[bool] = mapped_column(default=True)
    checkin_time: Mapped[time | None] = mapped_column(Time)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    detailed_text: Mapped[bool] = mapped_column(default=False)
    # The care team's own: a push when a client of theirs is flagged, sends a notice, hands in.
    flag_alerts: Mapped[bool] = mapped_column(default=True, server_default=true())
    notice_alerts: Mapped[bool] = mapped_column(default=True, server_default=true())
    handed_in_alerts: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutboxMessage(db.Model):
    """One reminder for one device, written once under its unique key, then sent and recorded."""

    __tablename__ = "push_outbox"
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "subscription_id",
            "kind",
            "object_ref",
            "occurrence",
            name="uq_push_outbox_key",
        ),
        Index("ix_push_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique key starts with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept as a plain id (set to None when the device is gone), so a row outlives its device.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    object_ref: Mapped[str] = mapped_column(String(80))
    occurrence: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The moment the reminder stops being useful (a session's start): never sent after it.
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    ttl: Mapped[int | None] = mapped_column()  # the TTL of the last try, in seconds
    payload: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(200), default="")

    subscription = relationship(PushSubscription)
