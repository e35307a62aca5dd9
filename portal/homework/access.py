"""Who may see homework: the client their own copies, the care team all of it, family nothing."""

from flask_login import current_user

from ..accounts.access import refuse
from ..extensions import db
from .models import HomeworkAssignment, HomeworkCopy


def get_copy_or_404(copy_id: int) -> HomeworkCopy:
    """Load a copy for its client or the care team; anyone else (family above all) gets 404."""
    if not current_user.is_authenticated:
        refuse()
    copy = db.session.get(HomeworkCopy, copy_id)
    if copy is None:
        refuse()
    if not (
        current_user.is_staff or (current_user.is_client and copy.client_id == current_user.id)
    ):
        refuse()
    return copy


def get_assignment_or_404(assignment_id: int) -> HomeworkAssignment:
    """Load an assignment for the care team."""
    if not (current_user.is_authenticated and current_user.is_staff):
        refuse()
    return db.session.get(HomeworkAssignment, assignment_id) or refuse()
