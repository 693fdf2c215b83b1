"""The approval chain as ONE table: (state, action) → next state, who may act, what it requires.

Read it top to bottom to know the whole chain (SPEC section 5). Nothing here writes:
workflow.services.form_transition looks the transition up, asks access.rules.acting_role
whether the actor may perform it — this table says WHICH role acts, access.rules says WHO
holds that role over the form —, checks `gates` and `requires`, then writes. Queues list the
forms of access.rules.forms_actionable, the same rule as a queryset (`Who.q`).

- `who(form)` names the roles that may act; a person acts in the first of them they hold.
- `gates` decide whether the action applies to this form at all (a signature line the form
  does not have, a form already in an open rating window): when one fails no button is shown.
- `requires` are preconditions with a message for the user (an incomplete form, an unsigned
  line): the button is shown, the action is refused with the message.
- `reason_required`: the comment must say why (returns, an upheld objection, a re-rating).
- `not_by_filler`: nobody reviews or signs their own form.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q

from risks.enums import SubjectKind
from risks.models import RiskForm
from units.enums import PostTier, Role
from workflow.enums import Action, FormState
from workflow.models import SignatureKind

Check = Callable[[RiskForm], str | None]  # None when satisfied, else the message shown


@dataclass(frozen=True)
class Who:
    """The roles that may perform a transition: always `roles`, or, when `pick` is given, the
    one of them `pick(form)` names for this form; `pick_q(role)` is `pick` as a filter (the
    forms for which it names `role`), so that queues are queries (access.forms_actionable)."""

    roles: frozenset[Role]
    pick: Callable[[RiskForm], Role] | None = None
    pick_q: Callable[[Role], Q] | None = None

    def __call__(self, form: RiskForm) -> frozenset[Role]:
        return frozenset({self.pick(form)}) if self.pick else self.roles

    def q(self, role: Role) -> Q:
        if role not in self.roles:
            return Q(pk__in=[])
        return self.pick_q(role) if self.pick_q else Q()


@dataclass(frozen=True)
class Transition:
    source: FormState
    action: Action
    target: FormState
    who: Who
    gates: tuple[Check, ...] = ()
    requires: tuple[Check, ...] = ()
    reason_required: bool = False
    not_by_filler: bool = False
    # The system (a passed deadline) may perform it without a person.
    system_may: bool = False
    # Offered as a button in the form's action panel (others have their own screens).
    in_panel: bool = True
    style: str = "primary"

    @property
    def label(self) -> str:
        return self.action.label


# ---------------------------------------------------------------- who reviews, who signs


def review_role(form: RiskForm) -> Role:
    """Who performs 部室审核 for this form.

    A post form in a department: its head — or the supervising leader when the head filled it
    (nobody reviews their own form) or the department has no active head. A department form: the
    supervising leader. Another leader's post: the principal (access.rules gives them
    SUPERVISOR over it). The principal's own post and the leadership form: the integrity office
    checks them before the colleagues rate (seed 000: those forms carry no reviewer line).
    """
    if form.subject_kind == SubjectKind.POST:
        if form.department_id:
            dept = form.department
            if dept.head_id and dept.head.active and dept.head_id != form.filler_id:
                return Role.DEPT_HEAD
            return Role.SUPERVISOR if dept.supervisor_id else Role.INTEGRITY_OFFICE
        if form.post.tier == PostTier.LEADER:
            return Role.SUPERVISOR
        return Role.INTEGRITY_OFFICE
    if form.subject_kind == SubjectKind.DEPARTMENT:
        return Role.SUPERVISOR if form.department.supervisor_id else Role.INTEGRITY_OFFICE
    return Role.INTEGRITY_OFFICE


def review_role_q(role: Role) -> Q:
    """The forms whose 部室审核 `review_role` gives to `role` (the same rule as a filter)."""
    post, dept_form = Q(subject_kind=SubjectKind.POST), Q(subject_kind=SubjectKind.DEPARTMENT)
    in_dept = post & Q(department__isnull=False)
    # Nobody reviews their own form: a head who filled it, or a department without an (active)
    # head, goes to the supervisor.
    headless = (
        Q(department__head__isnull=True)
        | Q(department__head__active=False)
        | Q(department__head=F("filler"))
    )
    has_supervisor = Q(department__supervisor__isnull=False)
    if role == Role.DEPT_HEAD:
        return in_dept & ~headless
    if role == Role.SUPERVISOR:
        return (
            (in_dept & headless & has_supervisor)
            | (post & Q(department__isnull=True, post__tier=PostTier.LEADER))
            | (dept_form & has_supervisor)
        )
    if role == Role.INTEGRITY_OFFICE:
        return (
            (in_dept & headless & ~has_supervisor)
            | (post & Q(department__isnull=True) & ~Q(post__tier=PostTier.LEADER))
            | (dept_form & ~has_supervisor)
            | Q(subject_kind=SubjectKind.LEADERSHIP)
        )
    return Q(pk__in=[])


def required_signatures(form: RiskForm) -> tuple[SignatureKind, ...]:
    """The signature lines signed in 集体审定, as on the seed forms: 分管领导 for forms of a
    department, 党组书记 for every form the principal did not fill themselves."""
    lines: list[SignatureKind] = []
    dept = form.department if form.department_id else None
    if dept is not None and dept.supervisor_id and dept.supervisor_id != form.filler_id:
        lines.append(SignatureKind.SUPERVISOR)
    principal_filled = form.subject_kind == SubjectKind.LEADERSHIP or (
        form.subject_kind == SubjectKind.POST and form.post.tier == PostTier.PRINCIPAL
    )
    if not principal_filled:
        lines.append(SignatureKind.PRINCIPAL)
    return tuple(lines)


def signed_kinds(form: RiskForm) -> set[str]:
    cached = getattr(form, "_prefetched_objects_cache", {}).get("signatures")
    if cached is not None:
        return {s.kind for s in cached}
    return set(form.signatures.values_list("kind", flat=True))


# ---------------------------------------------------------------- checks


def incomplete_reasons(form: RiskForm) -> list[str]:
    """What keeps a form from being submitted: RiskForm.missing_items, the list the filling
    page shows (one rule)."""
    stored = RiskForm.objects.prefetch_related("points__measures").get(pk=form.pk)
    return [f"{problem}。" for problem in stored.missing_items()]


def _complete(form: RiskForm) -> str | None:
    problems = incomplete_reasons(form)
    return " ".join(problems) if problems else None


def is_decided(form: RiskForm) -> bool:
    """Every point has its final level from a decision not voided by a later upheld objection
    (the rule is RiskFormQuerySet.with_decided; queues read its annotation)."""
    if hasattr(form, "decided"):
        return bool(form.decided)
    return bool(
        RiskForm.objects.with_decided().filter(pk=form.pk).values_list("decided", flat=True).first()
    )


def _decided(form: RiskForm) -> str | None:
    return None if is_decided(form) else "集体审定尚未记录每个风险点的审定等级。"


def _signed(form: RiskForm) -> str | None:
    missing = [k for k in required_signatures(form) if k not in signed_kinds(form)]
    if missing:
        return "尚缺：" + "、".join(SignatureKind(k).label for k in missing) + "。"
    return None


def _line_open(kind: SignatureKind) -> Check:
    def check(form: RiskForm) -> str | None:
        if kind not in required_signatures(form):
            return f"此表没有{kind.label}栏。"
        if kind in signed_kinds(form):
            return f"{kind.label}已签。"
        return None

    return check


def _not_in_open_window(form: RiskForm) -> str | None:
    if form.rating_windows.filter(closed_at__isnull=True).exists():
        return "此表已在进行中的群众评议中。"
    return None


def _rated(form: RiskForm) -> str | None:
    windows = list(form.rating_windows.all())
    if not windows:
        return "此表尚未经过群众评议。"
    if any(w.closed_at is None for w in windows):
        return "群众评议尚未结束。"
    return None


def open_objections(form: RiskForm):
    return form.objections.filter(answered_at__isnull=True)


def _has_open_objection(form: RiskForm) -> str | None:
    return None if open_objections(form).exists() else "没有待答复的异议。"


def current_notice(form: RiskForm):
    return form.notices.filter(closed_at__isnull=True).order_by("-published_on", "-id").first()


def _notice_ended(form: RiskForm) -> str | None:
    notice = current_notice(form)
    if notice is None:
        return "此表没有进行中的公示。"
    if not notice.has_ended:
        return f"公示期至 {notice.ends_on:%Y-%m-%d} 止，期满后方可备案。"
    return None


def _objections_answered(form: RiskForm) -> str | None:
    n = open_objections(form).count()
    return f"尚有 {n} 条异议未答复。" if n else None


def _current_version(form: RiskForm) -> str | None:
    if not RiskForm.objects.filter(pk=form.pk).current().exists():
        return "此表已有更新的版本。"
    return None


# ---------------------------------------------------------------- who


FILLER = Who(frozenset({Role.FILLER}))
OFFICE = Who(frozenset({Role.INTEGRITY_OFFICE}))
REVIEWER = Who(
    frozenset({Role.DEPT_HEAD, Role.SUPERVISOR, Role.INTEGRITY_OFFICE}), review_role, review_role_q
)
SUPERVISOR = Who(frozenset({Role.SUPERVISOR}))
PRINCIPAL = Who(frozenset({Role.PRINCIPAL}))

S = FormState
A = Action

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # 自查填报
    Transition(S.DRAFT, A.SUBMIT, S.DEPT_REVIEW, FILLER, requires=(_complete,)),
    # 部室审核
    Transition(S.DEPT_REVIEW, A.PASS, S.MASS_REVIEW, REVIEWER, not_by_filler=True,
               style="success"),
    Transition(S.DEPT_REVIEW, A.RETURN_TO_DRAFT, S.DRAFT, REVIEWER, reason_required=True,
               not_by_filler=True, style="outline-danger"),
    # 群众评议: the office opens a window over a department or the unit, then closes it
    Transition(S.MASS_REVIEW, A.OPEN_MASS_REVIEW, S.MASS_REVIEW, OFFICE,
               gates=(_not_in_open_window,), in_panel=False),
    Transition(S.MASS_REVIEW, A.CLOSE_MASS_REVIEW, S.COLLECTIVE, OFFICE, requires=(_rated,),
               system_may=True, in_panel=False),
    # 集体审定: the office records the decision, the leaders sign, the office publishes
    Transition(S.COLLECTIVE, A.DECIDE, S.COLLECTIVE, OFFICE, in_panel=False),
    Transition(S.COLLECTIVE, A.SIGN_SUPERVISOR, S.COLLECTIVE, SUPERVISOR,
               gates=(_line_open(SignatureKind.SUPERVISOR), _decided), not_by_filler=True,
               style="success"),
    Transition(S.COLLECTIVE, A.SIGN_PRINCIPAL, S.COLLECTIVE, PRINCIPAL,
               gates=(_line_open(SignatureKind.PRINCIPAL), _decided), not_by_filler=True,
               style="success"),
    Transition(S.COLLECTIVE, A.RETURN_FROM_COLLECTIVE, S.DRAFT, OFFICE, reason_required=True,
               style="outline-danger"),
    Transition(S.COLLECTIVE, A.PUBLISH, S.PUBLIC_NOTICE, OFFICE, requires=(_decided, _signed)),
    # 公示
    Transition(S.PUBLIC_NOTICE, A.UPHOLD_OBJECTION, S.COLLECTIVE, OFFICE, reason_required=True,
               gates=(_has_open_objection,), in_panel=False),
    Transition(S.PUBLIC_NOTICE, A.FILE, S.FILED, OFFICE,
               requires=(_notice_ended, _objections_answered)),
    # 已备案: the filed version stays; a new version starts in 自查填报
    Transition(S.FILED, A.RERATE, S.FILED, OFFICE, gates=(_current_version,),
               reason_required=True, style="outline-secondary"),
)
# fmt: on

_BY_KEY: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one transition per (state, action)"


def find(state: str, action: str) -> Transition | None:
    return _BY_KEY.get((state, action))


def transitions_for_action(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


def failed_gates(transition: Transition, form: RiskForm) -> list[str]:
    return [msg for check in transition.gates if (msg := check(form))]


def unmet_requirements(transition: Transition, form: RiskForm) -> list[str]:
    return [msg for check in transition.requires if (msg := check(form))]
