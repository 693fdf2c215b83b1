"""集体审定 meetings: the record of a party-group meeting the decisions refer to."""

import datetime

from django.contrib.auth.models import User

from access import rules as access
from workflow.engine import (
    TransitionForbidden,
)
from workflow.models import (
    CollectiveMeeting,
)


def meeting_create(
    *,
    actor: User,
    round,
    held_on: datetime.date,
    attendees: str,
    minutes: str = "",
    minutes_file=None,
    title: str = "党组会议",
) -> CollectiveMeeting:
    person = access.person_for(actor)
    if person is None or not access.can_manage_round(actor, round.unit):
        raise TransitionForbidden("只有廉防办可以记录集体审定会议。")
    meeting = CollectiveMeeting(
        round=round,
        unit=round.unit,
        held_on=held_on,
        title=title,
        attendees=attendees.strip(),
        minutes=minutes.strip(),
        recorded_by=person,
    )
    if minutes_file:
        meeting.minutes_file = minutes_file
    meeting.full_clean()
    meeting.save()
    return meeting
