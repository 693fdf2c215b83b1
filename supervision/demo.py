"""Supervision records of the demo (GYRC), made through the services like real work, dated
around the training clock's today:

- a finding from a 信访举报, and a 黄色预警 to 孙丽华 answered on time and accepted;
- an 橙色预警 to 事业发展部 (its head 马骏 signed for it) whose reply is overdue;
- an 诫勉谈话 of 冯大伟 with its talk record;
- a 责令限期整改 of 办公室 (head 赵明远): one item closed (何静), one overdue (孙丽华);
- a 提高等级建议 on a 事业发展部 form waiting for its 集体审定.

None concerns demo_staff2. Call after workflow.demo.demo_chain_load (it needs the forms in
集体审定). Idempotent: once the demo warnings exist nothing is added.
"""

import datetime

from django.core.files.base import ContentFile
from django.db import transaction

from riskreg import clock
from risks.models import RiskPoint
from supervision import services
from supervision.enums import (
    Action,
    DispositionKind,
    FindingSource,
    SubjectKind,
    WarningGrade,
)
from supervision.models import RectificationItem, WarningNotice
from units.models import Department, Person, Unit
from workflow.enums import FormState

UNIT_CODE = "GYRC"


def _person(unit: Unit, employee_no: str) -> Person:
    return Person.objects.select_related("user", "department").get(
        unit=unit, employee_no=employee_no
    )


@transaction.atomic
def load_demo_supervision() -> int:
    """Adds the demo records once; returns how many records were created (0 on a re-run)."""
    unit = Unit.objects.get(code=UNIT_CODE)
    if WarningNotice.objects.filter(unit=unit).exists():
        return 0
    today = clock.today()
    days = datetime.timedelta
    inspector = _person(unit, "000102").user
    sun = _person(unit, "000202")  # 办公室·财务会计
    he = _person(unit, "000206")  # 办公室·出纳
    feng = _person(unit, "000207")  # 办公室·驾驶员
    office = Department.objects.get(unit=unit, name="办公室")
    development = Department.objects.get(unit=unit, name="事业发展部")
    created = 0

    # A point of 事业发展部 in 集体审定 (募捐与捐赠管理), cited and proposed for a higher level.
    point = (
        RiskPoint.objects.filter(
            form__unit=unit,
            form__department=development,
            form__state=FormState.COLLECTIVE,
            form__post__isnull=False,
            proposed_level__gte=2,
        )
        .select_related("form")
        .order_by("form__post__order", "form_id", "order")
        .first()
    )
    cited = [point] if point is not None else []

    finding = services.finding_record(
        actor=inspector,
        unit=unit,
        source=FindingSource.PETITION,
        found_on=today - days(25),
        text="群众来信反映：部分捐赠物资入库登记不及时，去向公示不完整。",
        subject_kind=SubjectKind.DEPARTMENT,
        subject_department=development,
        risk_points=cited,
    )
    created += 1

    # 橙色预警 to a department, acknowledged by its head, reply overdue.
    orange = services.warning_issue(
        actor=inspector,
        unit=unit,
        grade=WarningGrade.ORANGE,
        recipient_department=development,
        finding=finding,
        risk_text="捐赠物资入库登记不及时、去向公示不完整，存在截留、挪用捐赠物资的风险。",
        requirement="请立即核对本年度捐赠物资台账，逐笔公示去向，并书面反馈核查结果和整改措施。",
        reply_due=today - days(3),
        issued_on=today - days(20),
        risk_points=cited,
    )
    services.record_transition(
        record=orange, action=Action.ACKNOWLEDGE, actor=development.head.user
    )
    created += 1

    # 黄色预警, answered on time and accepted.
    yellow = services.warning_issue(
        actor=inspector,
        unit=unit,
        grade=WarningGrade.YELLOW,
        recipient=sun,
        risk_text="报销凭证审核中存在附件不全即予报销的情况，存在违规报销风险。",
        requirement="请对本年度报销凭证开展自查，完善审核要点，并书面反馈自查整改情况。",
        reply_due=today + days(10),
        issued_on=today - days(6),
    )
    services.record_transition(record=yellow, action=Action.ACKNOWLEDGE, actor=sun.user)
    services.record_transition(
        record=yellow,
        action=Action.REPLY,
        actor=sun.user,
        comment="已对本年度 312 份报销凭证逐一核对，补齐附件 9 份，修订了报销审核要点。",
        files=[ContentFile("报销凭证自查情况说明。\n".encode(), name="自查情况说明.txt")],
    )
    services.record_transition(
        record=yellow, action=Action.ACCEPT, actor=inspector, comment="反馈属实，予以销号。"
    )
    created += 1

    # 诫勉谈话 with its talk record.
    services.disposition_issue(
        actor=inspector,
        unit=unit,
        kind=DispositionKind.ADMONITION,
        subject=feng,
        basis="公务用车使用登记不完整，存在公车私用的苗头性问题。",
        decided_on=today - days(12),
        talk_on=today - days(12),
        talk_place="纪检组办公室",
        talkers="郑立新",
        recorder="杨帆",
        talk_content="指出公务用车登记中的问题，要求严格执行派车单制度，如实登记行车事由和里程。",
        statement="认识到问题，今后严格执行派车和登记制度。",
    )
    created += 1

    # 责令限期整改 of 办公室: one item closed, one overdue.
    rectification = services.disposition_issue(
        actor=inspector,
        unit=unit,
        kind=DispositionKind.RECTIFICATION,
        subject_department=office,
        basis="专项检查发现现金管理和票据管理不规范。",
        decided_on=today - days(30),
        items=[
            {
                "text": "库存现金超限额，按规定及时缴存银行并建立日清月结台账。",
                "responsible": he,
                "deadline": today - days(10),
            },
            {
                "text": "票据领用核销登记不全，补登并建立领用核销制度。",
                "responsible": sun,
                "deadline": today - days(2),
            },
        ],
    )
    services.record_transition(
        record=rectification, action=Action.ACKNOWLEDGE, actor=office.head.user
    )
    first = RectificationItem.objects.get(disposition=rectification, order=1)
    services.record_transition(
        record=first,
        action=Action.REPORT,
        actor=he.user,
        comment="超限额现金已全部缴存，日清月结台账已建立。",
        files=[ContentFile("现金日清月结台账（样表）。\n".encode(), name="日清月结台账.txt")],
    )
    services.record_transition(
        record=first, action=Action.CLOSE, actor=inspector, comment="经核查已整改到位。"
    )
    created += 1

    # 提高等级建议 waiting for that form's 集体审定.
    if point is not None and (point.final_level or point.proposed_level or 3) > 1:
        services.proposal_issue(
            actor=inspector,
            point=point,
            proposed_level=(point.final_level or point.proposed_level) - 1,
            reason="信访反映的捐赠物资问题说明该风险点发生概率较大，建议提高一级。",
            finding=finding,
        )
        created += 1

    services.overdue_sweep()
    return created
