"""Import every feature's models so Flask-Migrate sees the whole schema."""

from .accounts.models import (  # noqa: F401
    Passkey,
    RecoveryCode,
    SetupLink,
    TotpFactor,
    User,
    UserSession,
)
from .audit.models import AuditEvent  # noqa: F401
from .checkins.models import CheckIn  # noqa: F401
from .consent.models import ConsentGrant  # noqa: F401
from .data_versions import DataVersion  # noqa: F401
from .family.models import FamilyInvitation  # noqa: F401
from .homework.models import (  # noqa: F401
    HomeworkAnswer,
    HomeworkAssignment,
    HomeworkCopy,
    HomeworkQuestion,
    HomeworkResource,
)
from .idempotency import IdempotencyKey  # noqa: F401
from .meetings.models import (  # noqa: F401
    Meeting,
    MeetingAttendance,
    MeetingGoal,
    MeetingSource,
    PersonalMeeting,
    SavedMeeting,
)
from .notifications.models import (  # noqa: F401
    NotificationPreferences,
    OutboxMessage,
    PushSubscription,
)
from .recovery_plan.models import RecoveryPlan, SupportContact  # noqa: F401
from .schedule.models import (  # noqa: F401
    AbsenceNotice,
    Attendance,
    CalendarFeed,
    Enrollment,
    Group,
    OccurrenceChange,
    SeriesFamilyMember,
    SessionSeries,
)
