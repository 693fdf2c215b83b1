"""Moves the demo round (GYRC, 2026年度廉政风险排查) part-way along the chain, through
form_transition only, so every persona finds real work on first login:

- 办公室: the staff's form returned with a reason; the head's queue holds four forms;
  the head's own form waits for the supervising leader; the department form is in 自查.
- 赈济救护部: in an open 群众评议 of the department, partly rated.
- 事业发展部: decided at a collective meeting, waiting for the leader's and principal's
  signatures; its department form waits for the office to record the decision.
- 组织宣传部: in 公示, one form with an unanswered objection.
- The leadership and the leaders' posts: filed.

Call `demo_chain_load()` after the risk forms of the round exist (risks.demo); forms or points
that are missing are created here so it also works on the bare demo organisation. Idempotent:
a form already at (or past) its target is left alone, so a second run changes nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from access import rules as access
from risks.models import Measure, RiskForm, RiskPoint, Round
from units.enums import GrantedRole, PostTier
from units.models import Department, Person, Post, RoleGrant, Unit
from workflow import services, transitions
from workflow.enums import Action, FormState, RatingVerdict
from workflow.models import CollectiveMeeting, Objection, TransitionLog

ROUND_TITLE = "2026年度廉政风险排查"
UNIT_CODE = "GYRC"
RETURNED = "returned"  # a DRAFT target reached through a return with a reason

ORDER = [
    FormState.DRAFT,
    FormState.DEPT_REVIEW,
    FormState.MASS_REVIEW,
    FormState.COLLECTIVE,
    FormState.PUBLIC_NOTICE,
    FormState.FILED,
]

# department name → target of its post forms (and of its department form, second)
DEPARTMENT_TARGETS = {
    "办公室": (FormState.DEPT_REVIEW, FormState.DRAFT),
    "赈济救护部": (FormState.MASS_REVIEW, FormState.MASS_REVIEW),
    "事业发展部": ("decided", FormState.COLLECTIVE),
    "组织宣传部": (FormState.PUBLIC_NOTICE, FormState.PUBLIC_NOTICE),
}
POST_TARGETS = {"综合文秘": RETURNED, "信息化管理员": FormState.DRAFT}

SAMPLE_POINTS = {
    "post": [
        ("duty", "履职过程中可能利用职务便利为他人谋取利益，或不严格执行审批程序。", 2),
        ("process", "经办业务时资料审核不严，存在“人情办事”、简化程序的风险。", 3),
    ],
    "department": [
        ("process", "部室重要事项未经集体研究即作出决定，议事规则执行不到位。", 2),
        ("system", "内部管理制度不健全，对关键环节缺少相互制约。", 2),
    ],
    "leadership": [
        ("major_decision", "“三重一大”事项未经集体研究决定，或会前沟通不充分。", 1),
        ("large_funds", "大额资金使用未严格执行预算和审批程序。", 1),
    ],
}
SAMPLE_MEASURE = "严格执行相关制度和审批程序，重要事项集体研究、全程留痕，接受纪检监督。"


@dataclass
class DemoChainResult:
    transitions: int = 0
    created: int = 0
    states: dict[str, int] = field(default_factory=dict)


def demo_chain_load(rnd: Round | None = None) -> DemoChainResult:
    result = DemoChainResult()
    unit = Unit.objects.get(code=UNIT_CODE)
    rnd = rnd or _round(unit, result)
    targets = _targets(rnd, unit, result)

    def want(form: RiskForm, state: str) -> bool:
        """Whether the form's target lies at or beyond `state` and the form is short of it."""
        target = targets[form.pk]
        target_state = FormState.DRAFT if target in (RETURNED,) else target
        if target == "decided":
            target_state = FormState.COLLECTIVE
        return ORDER.index(target_state) >= ORDER.index(state) > ORDER.index(form.state)

    forms = list(RiskForm.objects.filter(pk__in=targets).select_related(*_RELATED))

    # Beyond 群众评议: submit, pass, rate across the unit, close.
    far = [f for f in forms if want(f, FormState.COLLECTIVE)]
    for form in far:
        result.transitions += _advance(form, FormState.MASS_REVIEW)
    if far:
        result.transitions += _rate_round(
            rnd, department=None, close=True, deadline=timezone.now() + datetime.timedelta(days=1)
        )

    # 集体审定 → 公示 → 备案
    meeting = _meeting(rnd, unit)
    for form in _refresh(forms):
        if form.state == FormState.COLLECTIVE and targets[form.pk] in (
            "decided",
            FormState.PUBLIC_NOTICE,
            FormState.FILED,
        ):
            if not transitions.is_decided(form):
                _act(form, Action.DECIDE, meeting=meeting, levels=_levels(form))
                result.transitions += 1
            if targets[form.pk] == "decided":
                continue
            for line, action in (
                ("supervisor", Action.SIGN_SUPERVISOR),
                ("principal", Action.SIGN_PRINCIPAL),
            ):
                if line in transitions.required_signatures(form) and line not in (
                    transitions.signed_kinds(form)
                ):
                    _act(form, action)
                    result.transitions += 1
            filed = targets[form.pk] == FormState.FILED
            published_on = timezone.localdate() - datetime.timedelta(days=30 if filed else 0)
            _act(form, Action.PUBLISH, published_on=published_on)
            result.transitions += 1
        if form.state == FormState.PUBLIC_NOTICE and targets[form.pk] == FormState.FILED:
            _act(form, Action.FILE)
            result.transitions += 1

    # One objection in 公示, raised anonymously by a colleague.
    noticed = [f for f in _refresh(forms) if f.state == FormState.PUBLIC_NOTICE and f.post_id]
    if noticed and not Objection.objects.filter(form__round=rnd).exists():
        form = noticed[0]
        colleague = (
            Person.objects.filter(unit=unit, active=True, department=form.department)
            .exclude(pk=form.filler_id)
            .first()
        )
        if colleague is not None:
            services.objection_raise(
                actor=colleague.user,
                form=form,
                point=form.points.first(),
                text="该岗位经手捐赠物资的分配，建议将此风险点的等级提高一级。",
                anonymous=True,
            )
            result.created += 1

    # 群众评议 in progress for its departments.
    for name, (post_target, _dept_target) in DEPARTMENT_TARGETS.items():
        if post_target != FormState.MASS_REVIEW:
            continue
        dept = Department.objects.get(unit=unit, name=name)
        waiting = [
            f
            for f in _refresh(forms)
            if f.department_id == dept.pk
            and targets[f.pk] == FormState.MASS_REVIEW
            and f.state in (FormState.DRAFT, FormState.DEPT_REVIEW)
        ]
        moved = sum(_advance(f, FormState.MASS_REVIEW) for f in waiting)
        result.transitions += moved
        if moved:
            result.transitions += _rate_round(
                rnd,
                department=dept,
                close=False,
                deadline=timezone.now() + datetime.timedelta(days=7),
            )

    # 部室审核 and the returned form.
    for form in _refresh(forms):
        target = targets[form.pk]
        if target == FormState.DEPT_REVIEW and form.state == FormState.DRAFT:
            result.transitions += _advance(form, FormState.DEPT_REVIEW)
        elif target == RETURNED and form.state == FormState.DRAFT:
            returned = TransitionLog.objects.filter(
                form=form, action=Action.RETURN_TO_DRAFT
            ).exists()
            if not returned:
                _act(form, Action.SUBMIT)
                _act(
                    form,
                    Action.RETURN_TO_DRAFT,
                    comment="风险点查找不够具体，请结合公文处理和印章管理补充风险点及防控措施。",
                )
                result.transitions += 2

    for form in _refresh(forms):
        result.states[form.state] = result.states.get(form.state, 0) + 1
    return result


_RELATED = ("unit", "round", "post", "department", "filler")


def _refresh(forms: list[RiskForm]) -> list[RiskForm]:
    return list(
        RiskForm.objects.filter(pk__in=[f.pk for f in forms])
        .select_related(*_RELATED)
        .order_by("id")
    )


def _round(unit: Unit, result: DemoChainResult) -> Round:
    rnd = Round.objects.filter(unit=unit, title=ROUND_TITLE).first()
    if rnd is None:
        rnd = Round(
            unit=unit,
            year=2026,
            title=ROUND_TITLE,
            self_check_deadline=datetime.date(2026, 4, 30),
            dept_review_deadline=datetime.date(2026, 5, 15),
            mass_review_deadline=datetime.date(2026, 5, 31),
            collective_deadline=datetime.date(2026, 6, 15),
        )
        rnd.full_clean()
        rnd.save()
        result.created += 1
    return rnd


@transaction.atomic
def _targets(rnd: Round, unit: Unit, result: DemoChainResult) -> dict[int, str]:
    """Find (or create) the round's forms and give each the state the demo moves it to."""
    targets: dict[int, str] = {}
    for post in Post.objects.filter(unit=unit, active=True).select_related("department"):
        holder = Person.objects.filter(post=post, active=True).first()
        if holder is None:
            continue
        form = _form(rnd, result, subject_kind="post", post=post, filler=holder)
        if post.department_id:
            target = POST_TARGETS.get(post.name, DEPARTMENT_TARGETS[post.department.name][0])
        else:
            target = FormState.FILED
        targets[form.pk] = target
    for dept in Department.objects.filter(unit=unit):
        form = _form(rnd, result, subject_kind="department", department=dept, filler=dept.head)
        targets[form.pk] = DEPARTMENT_TARGETS[dept.name][1]
    principal = Person.objects.filter(post__unit=unit, post__tier=PostTier.PRINCIPAL).first()
    form = _form(rnd, result, subject_kind="leadership", filler=principal)
    targets[form.pk] = FormState.FILED
    for form in RiskForm.objects.filter(pk__in=targets).select_related(*_RELATED):
        if targets[form.pk] != FormState.DRAFT:
            result.created += _complete(form)
    return targets


def _form(rnd: Round, result: DemoChainResult, *, subject_kind: str, **kw) -> RiskForm:
    lookup = {"round": rnd, "subject_kind": subject_kind}
    if subject_kind == "post":
        lookup.update(post=kw["post"], filler=kw["filler"])
    elif subject_kind == "department":
        lookup.update(department=kw["department"])
    # The newest version of the subject (a re-rated form has several).
    form = RiskForm.objects.filter(**lookup).order_by("-version").first()
    if form is None:
        department = kw.get("department") or (kw["post"].department if kw.get("post") else None)
        form = RiskForm(
            round=rnd,
            unit=rnd.unit,
            subject_kind=subject_kind,
            post=kw.get("post"),
            department=department,
            filler=kw.get("filler"),
        )
        form.full_clean()
        form.save()
        result.created += 1
    return form


def _complete(form: RiskForm) -> int:
    """Give a form still in 自查 what submitting needs (points with a level and a measure)."""
    if form.state != FormState.DRAFT:
        return 0
    created = 0
    points = list(form.points.prefetch_related("measures"))
    if not points:
        for order, (category, text, level) in enumerate(SAMPLE_POINTS[form.subject_kind], 1):
            point = RiskPoint(
                form=form,
                order=order,
                category=category,
                description=text,
                likelihood=2,
                harm=2,
                proposed_level=level,
                proposal_reason="" if level == 2 else "结合岗位实际研判确定。",
            )
            point.full_clean()
            point.save()
            points.append(point)
            created += 1
    for point in points:
        if not point.likelihood or not point.harm:
            point.likelihood, point.harm = point.likelihood or 2, point.harm or 2
            point.save(update_fields=["likelihood", "harm"])
        if not point.proposed_level:
            point.proposed_level = point.suggested_level or 2
            if point.proposed_level != point.suggested_level:
                point.proposal_reason = point.proposal_reason or "结合岗位实际研判确定。"
            point.save(update_fields=["proposed_level", "proposal_reason"])
        if not any(m.text.strip() for m in point.measures.all()):
            Measure.objects.create(point=point, order=1, text=SAMPLE_MEASURE)
            created += 1
    return created


def _actor_for(form: RiskForm, action: Action):
    transition = transitions.find(form.state, action)
    if transition is not None:
        for person in access.people_who_may_act(form):
            if access.acting_role(transition, person, form):
                return person.user
    raise RuntimeError(f"演示数据：没有人可以对《{form.subject_title}》执行「{action.label}」。")


def _act(form: RiskForm, action: Action, comment: str = "", **extra) -> None:
    services.form_transition(
        form=form,
        action=action,
        actor=_actor_for(form, action),
        comment=comment,
        extra=extra or None,
    )


def _advance(form: RiskForm, target: FormState) -> int:
    """Submit and pass a form up to `target` (at most 群众评议 waiting for a window)."""
    steps = 0
    if form.state == FormState.DRAFT and ORDER.index(target) >= 1:
        _act(form, Action.SUBMIT)
        steps += 1
    if form.state == FormState.DEPT_REVIEW and ORDER.index(target) >= 2:
        _act(form, Action.PASS, comment="同意。")
        steps += 1
    return steps


def _rate_round(rnd: Round, *, department, close: bool, deadline) -> int:
    office = _office(rnd.unit).user
    window, batch = services.rating_window_open(
        actor=office, round=rnd, department=department, deadline=deadline
    )
    verdicts = [
        RatingVerdict.AGREE,
        RatingVerdict.AGREE,
        RatingVerdict.TOO_LOW,
        RatingVerdict.AGREE,
    ]
    # Colleagues without a demo login rate, so the demo accounts still find forms to rate.
    people = Person.objects.filter(unit=rnd.unit, active=True).exclude(
        user__username__startswith="demo_"
    )
    raters = list(people.filter(department=department) if department else people)[:6]
    for form in window.forms.all():
        for n, point in enumerate(form.points.all()):
            for i, rater in enumerate(r for r in raters if r.pk != form.filler_id):
                comment = "建议加强资金拨付环节的监督。" if (i == 2 and n == 0) else ""
                services.rating_save(
                    window=window,
                    point=point,
                    rater=rater,
                    verdict=verdicts[(i + n) % len(verdicts)],
                    comment=comment,
                )
    steps = len(batch.done)
    if close:
        steps += len(services.rating_window_close(window=window, actor=office).done)
    return steps


def _office(unit: Unit) -> Person:
    grant = RoleGrant.objects.filter(role=GrantedRole.INTEGRITY_OFFICE, unit=unit).first()
    if grant is None:
        raise RuntimeError("演示数据：本单位没有廉防办人员。")
    return grant.person


def _meeting(rnd: Round, unit: Unit) -> CollectiveMeeting:
    meeting = CollectiveMeeting.objects.filter(
        round=rnd, title="党组会议（廉政风险集体审定）"
    ).first()
    if meeting is None:
        meeting = CollectiveMeeting(
            round=rnd,
            unit=unit,
            title="党组会议（廉政风险集体审定）",
            held_on=datetime.date(2026, 6, 12),
            attendees="周文涛、郑立新、王建国、陈雅琴；列席：杨帆",
            minutes="会议逐一审议各岗位、部室及领导班子廉政风险点和等级，结合群众评议意见确定审定等级。",
            recorded_by=_office(unit),
        )
        meeting.full_clean()
        meeting.save()
    return meeting


def _levels(form: RiskForm) -> dict:
    """The decision follows the majority of the ratings, with the reason the seeds expect."""
    from workflow.selectors import tallies_for_forms

    tallies = tallies_for_forms([form])
    levels = {}
    for point in form.points.all():
        tally = tallies.get(point.pk)
        level = (tally.majority_level if tally else None) or point.proposed_level
        reason = "" if level == point.proposed_level else "根据群众评议多数意见调整。"
        levels[point.pk] = (level, reason)
    return levels
