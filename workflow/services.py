"""Every write of the approval chain, by job (this module re-exports them, so callers keep
`from workflow import services`):

- workflow.engine: `form_transition`, the ONE function that changes a form's state, and
  `forms_transition` (many forms, one transaction each); the log, snapshots, 公示 period.
- workflow.rating: 群众评议 windows and ratings.
- workflow.meetings: 集体审定 meetings.
- workflow.objections: 异议, raised and answered.
- workflow.notifications: who is told what after each change; e-mails via workflow.tasks.

Services take keyword-only arguments and validate before saving.
"""

from workflow.engine import (
    COLLECTIVE_LINES,
    BatchResult,
    TransitionError,
    TransitionForbidden,
    TransitionRefused,
    TransitionResult,
    add_working_days,
    form_snapshot,
    form_transition,
    forms_transition,
    notice_period,
)
from workflow.meetings import meeting_create
from workflow.notifications import (
    notification_email_send,
    notification_push,
    notifications_mark_read,
)
from workflow.objections import objection_answer, objection_raise
from workflow.rating import (
    rating_save,
    rating_window_add_forms,
    rating_window_close,
    rating_window_open,
    rating_windows_close_due,
)

__all__ = [
    "COLLECTIVE_LINES",
    "BatchResult",
    "TransitionError",
    "TransitionForbidden",
    "TransitionRefused",
    "TransitionResult",
    "add_working_days",
    "form_snapshot",
    "form_transition",
    "forms_transition",
    "meeting_create",
    "notice_period",
    "notification_email_send",
    "notification_push",
    "notifications_mark_read",
    "objection_answer",
    "objection_raise",
    "rating_save",
    "rating_window_add_forms",
    "rating_window_close",
    "rating_window_open",
    "rating_windows_close_due",
]
