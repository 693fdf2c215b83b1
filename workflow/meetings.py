"""集体审定 meetings: the record of a party-group meeting the decisions refer to."""

import datetime

from django.contrib.auth.models import User

from units import roles
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
    from risks.permissions import units_coordinated_by

    person = roles.person_for(actor)
    if person is None or round.unit_id not in {u.pk for u in units_coordinated_by(actor)}:
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
