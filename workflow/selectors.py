"""Every read of the approval chain, scoped to a user before anything else.

Lists cost a fixed number of queries whatever the number of rows (select_related /
prefetch_related / annotations); tests/workflow/test_queries.py says so. Rating tallies never
carry the rater: the only place a Rating's rater is read is `my_ratings` (your own).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from access import rules as access
from riskreg import clock
from riskreg.db import SubqueryCount
from risks.models import RiskForm, RiskPoint, Round
from units.models import Department, Person, Unit
from workflow import transitions
from workflow.enums import Action, FormState, RatingVerdict
from workflow.models import (
    CollectiveMeeting,
    FormDecision,
    Notification,
    Objection,
    PublicNotice,
    Rating,
    RatingWindow,
    Signature,
    TransitionLog,
)

FORM_RELATED = ("unit", "round", "post__department", "department", "filler")
# What a list row reads of a form and of FORM_RELATED: its subject_title and its round's title
# and deadlines. Model instances with every column are most of a long list's time.
ROW_FIELDS = (
    "state",
    "subject_kind",
    "version",
    "unit__name",
    "unit__short_name",
    "round__title",
    "round__year",
    "round__unit_id",
    "round__self_check_deadline",
    "round__dept_review_deadline",
    "round__mass_review_deadline",
    "round__collective_deadline",
    "post__name",
    "post__tier",
    "post__department__name",
    "department__name",
    "department__head_id",
    "department__supervisor_id",
    "filler__name",
)


def _with_points(qs: QuerySet[RiskForm], *, signatures: bool = False) -> QuerySet[RiskForm]:
    qs = qs.select_related(*FORM_RELATED).prefetch_related(
        Prefetch("points", queryset=RiskPoint.objects.prefetch_related("measures"))
    )
    # Only the 集体审定 meeting reads the signatures (the registers show points alone).
    return qs.prefetch_related("signatures") if signatures else qs


# ------------------------------------------------------------------------- one form


@dataclass
class AvailableAction:
    transition: transitions.Transition
    blocked: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.transition.action.value

    @property
    def label(self) -> str:
        return self.transition.label


def available_actions(user: User | AnonymousUser, form: RiskForm) -> list[AvailableAction]:
    """The panel's buttons: actions the user may take on the form now, each with what still
    blocks it (shown as a hint, and refused by form_transition all the same)."""
    person = access.person_for(user)
    if person is None:
        return []
    held = access.form_roles(person, form)
    result = []
    for t in transitions.transitions_from(form.state):
        if not t.in_panel or access.acting_role(t, person, form, held) is None:
            continue
        if transitions.failed_gates(t, form):
            continue
        result.append(AvailableAction(t, transitions.unmet_requirements(t, form)))
    return result


def form_timeline(form: RiskForm) -> list[TransitionLog]:
    return list(form.transition_logs.order_by("created_at", "id"))


@dataclass
class PointTally:
    proposed_level: int | None
    counts: dict[str, int] = field(default_factory=lambda: {v: 0 for v in RatingVerdict.values})
    comments: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def agree(self) -> int:
        return self.counts[RatingVerdict.AGREE]

    @property
    def too_high(self) -> int:
        return self.counts[RatingVerdict.TOO_HIGH]

    @property
    def too_low(self) -> int:
        return self.counts[RatingVerdict.TOO_LOW]

    @property
    def majority(self) -> str | None:
        """The verdict of strictly more raters than any other, if any."""
        if not self.total:
            return None
        ranked = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return ranked[0][0] if ranked[0][1] > ranked[1][1] else None

    @property
    def majority_label(self) -> str:
        return RatingVerdict(self.majority).label if self.majority else "无多数意见"

    @property
    def majority_level(self) -> int | None:
        """The level the majority points to: 偏高 means one level lower risk (a larger number)."""
        if self.majority is None or not self.proposed_level:
            return None
        step = {RatingVerdict.AGREE: 0, RatingVerdict.TOO_HIGH: 1, RatingVerdict.TOO_LOW: -1}
        return min(3, max(1, self.proposed_level + step[self.majority]))


def tallies_for_forms(forms: list[RiskForm]) -> dict[int, PointTally]:
    """Per point: counts of 同意/偏高/偏低 and the comments, from the form's latest window.
    Two queries for any number of forms. Raters are never read."""
    form_ids = [f.pk for f in forms]
    if not form_ids:
        return {}
    latest: dict[int, int] = {}
    through = RatingWindow.forms.through.objects.filter(riskform_id__in=form_ids)
    for form_id, window_id in through.values_list("riskform_id", "ratingwindow_id").order_by(
        "ratingwindow__opened_at", "ratingwindow_id"
    ):
        latest[form_id] = window_id
    tallies: dict[int, PointTally] = {}
    for form in forms:
        for point in form.points.all():
            tallies[point.pk] = PointTally(point.proposed_level)
    if not latest:
        return tallies
    rows = (
        Rating.objects.filter(window_id__in=set(latest.values()), point__form_id__in=form_ids)
        .values_list("point_id", "point__form_id", "window_id", "verdict", "comment")
        .order_by("comment")
    )
    for point_id, form_id, window_id, verdict, comment in rows:
        if latest.get(form_id) != window_id or point_id not in tallies:
            continue
        tally = tallies[point_id]
        tally.counts[verdict] += 1
        if comment:
            tally.comments.append(comment)
    return tallies


def point_tallies(*, form: RiskForm, points: list[RiskPoint] | None = None) -> dict:
    return tallies_for_forms([form])


# ------------------------------------------------------------------------- queues
# The queues list one compact row per form (no points): a head with 200 forms waiting decides
# from the subject, the filler, the number of points and their levels, and opens the form page
# for the rest. Views paginate them and call `queue_summaries` for the forms of the page.


def _queue_forms(qs: QuerySet[RiskForm], *, signatures: bool = False) -> QuerySet[RiskForm]:
    """What a queue row and the acting-role check read, nothing more: building model instances
    is most of a long queue's time (300 forms × 6 related rows ≈ 35 ms)."""
    qs = qs.select_related("unit", "round", "post__department", "department__head", "filler")
    if signatures:
        qs = qs.prefetch_related("signatures")
    return qs.order_by("department__order", "post__order", "id")


def _review_qs(user: User) -> QuerySet[RiskForm]:
    """部室审核: the forms this user may pass now (access.rules.forms_actionable)."""
    return access.forms_actionable(user, [transitions.find(FormState.DEPT_REVIEW, Action.PASS)])


def review_queue(user: User) -> list[RiskForm]:
    """部室审核: forms waiting for this user's review, each with `acting_for` (the person they
    act for under a 委托, or None)."""
    person = access.person_for(user)
    if person is None:
        return []
    t = transitions.find(FormState.DEPT_REVIEW, Action.PASS)
    forms = list(_queue_forms(_review_qs(user)))
    for form in forms:
        acting = access.acting_role(t, person, form)
        form.acting_for = acting.on_behalf_of if acting else None
    return forms


@dataclass
class LevelCount:
    level: int | None
    label: str
    count: int


def queue_summaries(forms: list[RiskForm], *, decided: bool = False) -> None:
    """Per form of a queue page: `n_points`, `level_counts` (points per level, highest risk
    first; the decided levels once `decided`, else the proposed ones) and `since` (when it was
    submitted, or last decided). Two queries for any number of forms."""
    ids = [f.pk for f in forms]
    level_field = "final_level" if decided else "proposed_level"
    per_form: dict[int, dict[int | None, int]] = {pk: {} for pk in ids}
    rows = (
        RiskPoint.objects.filter(form_id__in=ids)
        .values_list("form_id", level_field)
        .annotate(n=Count("id"))
        .order_by()
    )
    for form_id, level, n in rows:
        per_form[form_id][level] = n
    if decided:
        dates = FormDecision.objects.filter(form_id__in=ids).values("form_id")
        dates = dates.annotate(at=Max("decided_at"))
    else:
        dates = TransitionLog.objects.filter(form_id__in=ids, action=Action.SUBMIT)
        dates = dates.values("form_id").annotate(at=Max("created_at"))
    since = {row["form_id"]: row["at"] for row in dates.order_by()}
    unset = "未审定" if decided else "未定级"
    for form in forms:
        counts = per_form[form.pk]
        form.n_points = sum(counts.values())
        form.level_counts = [
            LevelCount(level, form.unit.level_label(level) if level else unset, n)
            for level, n in sorted(counts.items(), key=lambda kv: kv[0] or 99)
        ]
        form.since = since.get(form.pk)


SIGN_LINES = {
    Action.SIGN_SUPERVISOR: transitions.SignatureKind.SUPERVISOR,
    Action.SIGN_PRINCIPAL: transitions.SignatureKind.PRINCIPAL,
}


def sign_queue(user: User) -> list[RiskForm]:
    """Forms decided in 集体审定 whose 分管领导 / 党组书记 line waits for this user: the
    forms_actionable of the two signing steps whose gates (line open, decided) pass."""
    person = access.person_for(user)
    if person is None:
        return []
    sign = [transitions.find(FormState.COLLECTIVE, action) for action in SIGN_LINES]
    qs = access.forms_actionable(user, sign).with_decided()
    result = []
    for form in _queue_forms(qs, signatures=True):
        held = access.form_roles(person, form)
        for t in sign:
            acting = access.acting_role(t, person, form, held)
            if acting and not transitions.failed_gates(t, form):
                form.sign_action = t.action.value
                form.sign_label = t.label
                form.acting_for = acting.on_behalf_of
                result.append(form)
                break
    return result


def open_windows_for_rater(person: Person) -> QuerySet[RatingWindow]:
    return RatingWindow.objects.filter(
        closed_at__isnull=True, deadline__gt=clock.now(), unit_id=person.unit_id
    ).filter(Q(department__isnull=True) | Q(department_id=person.department_id))


def _forms_to_rate(person: Person) -> QuerySet[RiskForm]:
    """Forms in an open window of the person's scope, not their own, with `n_points` and
    `n_rated` (how many of its points they have rated in those windows)."""
    windows = open_windows_for_rater(person)
    in_window = RatingWindow.forms.through.objects.filter(ratingwindow__in=windows)
    mine = Rating.objects.filter(point=OuterRef("pk"), rater=person, window__in=windows)
    points = RiskPoint.objects.filter(form=OuterRef("pk")).order_by()
    # A window holds forms of its own unit only; saying so lets PostgreSQL start from the
    # unit's forms rather than every form in 群众评议 of the database.
    return (
        RiskForm.objects.filter(state=FormState.MASS_REVIEW, unit_id=person.unit_id)
        .filter(Exists(in_window.filter(riskform=OuterRef("pk"))))
        .exclude(filler=person)
        .annotate(
            n_points=SubqueryCount(points.values("pk")),
            n_rated=SubqueryCount(points.filter(Exists(mine)).values("pk")),
        )
    )


def rating_forms_for(user: User) -> list[RiskForm]:
    """群众评议: forms this person may rate now (in an open window of their scope, not their
    own), each annotated with how many of its points they have rated."""
    person = access.person_for(user)
    if person is None:
        return []
    return list(
        _forms_to_rate(person)
        .select_related(*FORM_RELATED)
        .only(*ROW_FIELDS)
        .order_by("department__order", "post__order", "id")
    )


def rating_window_for(person: Person, form: RiskForm) -> RatingWindow | None:
    return open_windows_for_rater(person).filter(forms=form).first()


def my_ratings(person: Person, window: RatingWindow) -> dict[int, Rating]:
    return {r.point_id: r for r in Rating.objects.filter(window=window, rater=person)}


# ------------------------------------------------------------------------- office


def office_units(user: User) -> list[Unit]:
    return access.units_coordinated_by(user)


def office_forms(user: User, *states: str) -> QuerySet[RiskForm]:
    """The forms in `states` of the units the user coordinates (looked up once per request by
    access.rules, however many counts 我的待办 asks for)."""
    return RiskForm.objects.filter(unit__in=office_units(user), state__in=states)


def rating_windows_for_office(user: User) -> list[RatingWindow]:
    return list(
        RatingWindow.objects.filter(unit__in=office_units(user))
        .select_related("unit", "department", "round")
        .annotate(
            n_forms=SubqueryCount(
                RatingWindow.forms.through.objects.filter(ratingwindow=OuterRef("pk")).values("pk")
            ),
            n_ratings=SubqueryCount(Rating.objects.filter(window=OuterRef("pk")).values("pk")),
        )
        .order_by("closed_at", "-opened_at")
    )


def waiting_for_rating(user: User) -> QuerySet[RiskForm]:
    """Forms passed by review, not yet in an open rating window (the office's next step)."""
    open_window = RatingWindow.objects.filter(forms=OuterRef("pk"), closed_at__isnull=True)
    return (
        office_forms(user, FormState.MASS_REVIEW)
        .exclude(Exists(open_window))
        .select_related(*FORM_RELATED)
    )


def collective_forms(user: User, round_id: int | None = None) -> list[RiskForm]:
    """集体审定 for the office: forms with points, tallies, signatures; decided or not."""
    qs = office_forms(user, FormState.COLLECTIVE).with_decided()
    if round_id:
        qs = qs.filter(round_id=round_id)
    forms = list(
        _with_points(
            qs.order_by("round", "department__order", "post__order", "id"), signatures=True
        )
    )
    tallies = tallies_for_forms(forms)
    for form in forms:
        points = list(form.points.all())
        for point in points:
            point.tally = tallies.get(point.pk)
        form.point_list = points
        form.is_decided = form.decided
        signed = {s.kind for s in form.signatures.all()}
        form.missing_lines = [
            line for line in transitions.required_signatures(form) if line not in signed
        ]
    return forms


def collective_overview(user: User) -> list[RiskForm]:
    """集体审定 list: the office's forms in 集体审定 with `is_decided` and `missing_lines`, as
    collective_forms sets them, counted in the database instead of loading every point with
    its measures and tallies (which only the meeting page shows)."""
    points = RiskPoint.objects.filter(form=OuterRef("pk")).order_by()
    forms = list(
        office_forms(user, FormState.COLLECTIVE)
        .with_decided()
        .select_related(*FORM_RELATED)
        .only(*ROW_FIELDS, "overall_final_level", "unit__level_labels")
        # The list and the gates read which lines are signed, nothing else of a signature.
        .prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.only("pk", "form_id", "kind"))
        )
        .annotate(n_points=SubqueryCount(points.values("pk")))
        .order_by("round", "department__order", "post__order", "id")
    )
    for form in forms:
        form.is_decided = form.decided
        signed = {s.kind for s in form.signatures.all()}
        form.missing_lines = [
            line for line in transitions.required_signatures(form) if line not in signed
        ]
    return forms


def meetings_for(user: User) -> list[CollectiveMeeting]:
    return list(
        CollectiveMeeting.objects.filter(unit__in=office_units(user))
        .select_related("round", "recorded_by")
        .annotate(n_forms=Count("decisions__form", distinct=True))
    )


def notice_register(user: User) -> QuerySet[RiskForm]:
    """公示: forms under notice that the user may read (everyone in the unit), with the
    current notice (`open_notices`) and the points and levels. A queryset, so that a page of
    it loads the points of that page's forms only; `with_notice` finishes a page."""
    qs = access.forms_visible_to(user, RiskForm.objects.filter(state=FormState.PUBLIC_NOTICE))
    return (
        _with_points(qs.order_by("unit__path", "department__order", "post__order", "id"))
        .prefetch_related(
            Prefetch(
                "notices",
                queryset=PublicNotice.objects.filter(closed_at__isnull=True),
                to_attr="open_notices",
            )
        )
        .annotate(
            n_open_objections=SubqueryCount(
                Objection.objects.filter(form=OuterRef("pk"), answered_at__isnull=True).values("pk")
            )
        )
    )


def with_notice(forms: list[RiskForm]) -> list[RiskForm]:
    for form in forms:
        form.notice = form.open_notices[0] if form.open_notices else None
    return forms


def filed_register(user: User) -> QuerySet[RiskForm]:
    """已备案: a queryset, so that a page of it loads the points of that page's forms only."""
    qs = access.forms_visible_to(user, RiskForm.objects.filter(state=FormState.FILED))
    return _with_points(qs.order_by("unit__path", "department__order", "post__order", "id"))


def _office_objections(user: User, *, open_only: bool = False) -> QuerySet[Objection]:
    qs = Objection.objects.filter(form__unit__in=office_units(user))
    return qs.filter(answered_at__isnull=True) if open_only else qs


def objections_for_office(user: User, *, open_only: bool = False) -> list[Objection]:
    qs = _office_objections(user, open_only=open_only)
    return list(
        qs.select_related(
            "form__unit",
            "form__round",
            "form__post__department",
            "form__department",
            "form__filler",
            "point",
            "notice",
            "raised_by",
            "answered_by",
        ).order_by("answered_at", "-raised_at")
    )


def _fileable(user: User) -> QuerySet[RiskForm]:
    """Forms under notice whose notice has ended with no objection left open."""
    today = clock.today()
    ended = PublicNotice.objects.filter(
        form=OuterRef("pk"), closed_at__isnull=True, ends_on__lt=today
    )
    open_obj = Objection.objects.filter(form=OuterRef("pk"), answered_at__isnull=True)
    return (
        office_forms(user, FormState.PUBLIC_NOTICE).filter(Exists(ended)).exclude(Exists(open_obj))
    )


def fileable_forms(user: User) -> list[RiskForm]:
    return list(_fileable(user).select_related(*FORM_RELATED))


def notifications_for(user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user)[:limit])


def unread_notification_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# ------------------------------------------------------------------------- 我的待办


@dataclass
class WorkItem:
    label: str
    count: int
    url_name: str


def forms_to_rate_count(user: User) -> int:
    """The 群众评议 page's forms this person has not finished rating, counted in the database."""
    person = access.person_for(user)
    if person is None:
        return 0
    return _forms_to_rate(person).filter(n_rated__lt=F("n_points")).count()


def collective_waiting(user: User, kind: str) -> int:
    """On the 集体审定 page: forms still to decide ("decide"), or decided, signed and so ready
    to publish ("publish")."""
    forms = collective_overview(user)
    if kind == "decide":
        return sum(1 for f in forms if not f.is_decided)
    return sum(1 for f in forms if f.is_decided and not f.missing_lines)


# One source for every count: the home page's 我的待办, the folded notifications ("有 N 张…")
# and any badge take their number from the selector of the page they link to.
# A queue's count is a COUNT(*) of the queryset its page lists wherever the page keeps every
# row of it (the review queue's acting_for and the collective page's signatures only annotate);
# the sign queue and "publish" filter rows by per-form gates in Python, so they count its list.
QUEUE_COUNTS = {
    "review": lambda u: _review_qs(u).count(),
    "rate": lambda u: forms_to_rate_count(u),
    "sign": lambda u: len(sign_queue(u)),
    "organise_rating": lambda u: waiting_for_rating(u).count(),
    "decide": lambda u: collective_waiting(u, "decide"),
    "publish": lambda u: collective_waiting(u, "publish"),
    "collective": lambda u: office_forms(u, FormState.COLLECTIVE).count(),
    "objection": lambda u: _office_objections(u, open_only=True).count(),
    "file": lambda u: _fileable(u).count(),
}


def queue_count(user: User, kind: str) -> int:
    return QUEUE_COUNTS[kind](user)


def worklist(user: User, *, forms_to_fill: int | None = None) -> list[WorkItem]:
    """What waits on this user, with counts from the selectors of the pages they link to
    (`forms_to_fill`: the caller's count of the user's drafts)."""
    person = access.person_for(user)
    if person is None:
        return []
    if forms_to_fill is None:
        forms_to_fill = RiskForm.objects.filter(filler=person, state=FormState.DRAFT).count()
    items = [
        WorkItem("待填报的一览表", forms_to_fill, "risks:my_forms"),
        WorkItem("待审核（部室审核）", queue_count(user, "review"), "workflow:review_queue"),
        WorkItem("待评议（群众评议）", queue_count(user, "rate"), "workflow:rating_list"),
        WorkItem("待签字（集体审定）", queue_count(user, "sign"), "workflow:sign_queue"),
    ]
    if office_units(user):

        def count(kind: str) -> int:
            return queue_count(user, kind)

        items += [
            WorkItem("待组织群众评议", count("organise_rating"), "workflow:rating_windows"),
            WorkItem("待集体审定", count("collective"), "workflow:collective"),
            WorkItem("待答复的异议", count("objection"), "workflow:objections"),
            WorkItem("公示期满待备案", count("file"), "workflow:notice_register"),
        ]
    return items


# ------------------------------------------------------------------------- progress board


def board_rounds(user: User) -> list[Round]:
    return list(
        Round.objects.filter(unit__in=access.units_with_board(user))
        .select_related("unit")
        .order_by("unit__path", "-year", "-id")
    )


def overdue_q(today: datetime.date) -> Q:
    return (
        Q(state=FormState.DRAFT, round__self_check_deadline__lt=today)
        | Q(state=FormState.DEPT_REVIEW, round__dept_review_deadline__lt=today)
        | Q(state=FormState.MASS_REVIEW, round__mass_review_deadline__lt=today)
        | Q(state=FormState.COLLECTIVE, round__collective_deadline__lt=today)
    )


STATE_BAR = {
    FormState.DRAFT: "bg-secondary",
    FormState.DEPT_REVIEW: "bg-info",
    FormState.MASS_REVIEW: "bg-primary",
    FormState.COLLECTIVE: "bg-warning",
    FormState.PUBLIC_NOTICE: "bg-success bg-opacity-50",
    FormState.FILED: "bg-success",
}


@dataclass
class BoardRow:
    label: str
    counts: dict[str, int]
    total: int
    overdue: int

    @property
    def cells(self) -> list[int]:
        return [self.counts[s.value] for s in FormState]

    @property
    def segments(self) -> list[tuple[str, str, int, float]]:
        """(bar colour class, label, count, percent) for the stacked progress bar."""
        if not self.total:
            return []
        return [
            (STATE_BAR[s], s.label, self.counts[s.value], 100 * self.counts[s.value] / self.total)
            for s in FormState
            if self.counts[s.value]
        ]

    @property
    def done_percent(self) -> int:
        return round(100 * self.counts[FormState.FILED] / self.total) if self.total else 0


@dataclass
class Board:
    round: Round
    rows: list[BoardRow]
    totals: BoardRow
    overdue_forms: list[RiskForm]
    states: list[FormState] = field(default_factory=lambda: list(FormState))


def progress_board(*, user: User, round_id: int) -> Board:
    """Per department, the current forms of a round in each state and how many are overdue
    against the round's deadlines. A fixed number of queries for any number of forms."""
    rnd = (
        Round.objects.select_related("unit")
        .filter(pk=round_id, unit__in=access.units_with_board(user))
        .first()
    )
    if rnd is None:
        raise Http404("没有找到该排查轮次。")
    today = clock.today()
    current = RiskForm.objects.filter(round=rnd).current()
    aggregates = {s.value: Count("id", filter=Q(state=s)) for s in FormState}
    grouped = current.values("department_id").annotate(
        total=Count("id"), overdue=Count("id", filter=overdue_q(today)), **aggregates
    )
    by_dept = {row["department_id"]: row for row in grouped}
    rows = []
    departments = list(Department.objects.filter(unit=rnd.unit).order_by("order", "id"))
    for key, label in [(d.pk, d.name) for d in departments] + [(None, "领导班子及单位层面")]:
        row = by_dept.get(key)
        if row is None:
            continue
        rows.append(
            BoardRow(
                label, {s.value: row[s.value] for s in FormState}, row["total"], row["overdue"]
            )
        )
    totals = BoardRow(
        "合计",
        {s.value: sum(r.counts[s.value] for r in rows) for s in FormState},
        sum(r.total for r in rows),
        sum(r.overdue for r in rows),
    )
    overdue = list(
        current.filter(overdue_q(today))
        .select_related(*FORM_RELATED)
        .annotate(last_reminded=Max("reminders__sent_at"))
        .order_by("department__order", "post__order", "id")
    )
    return Board(rnd, rows, totals, overdue)


@dataclass
class ChangeRow:
    number: int
    old: RiskPoint | None
    new: RiskPoint | None
    changed: list[str]


def version_changes(previous: RiskForm, form: RiskForm) -> list[ChangeRow]:
    """Point by point (in order), what a re-rated version changed against the filed one."""
    old_points = list(previous.points.all())
    new_points = list(form.points.all())
    rows = []
    for i in range(max(len(old_points), len(new_points))):
        old = old_points[i] if i < len(old_points) else None
        new = new_points[i] if i < len(new_points) else None
        changed = []
        if old and new:
            if old.category != new.category:
                changed.append("风险类别")
            if old.description.strip() != new.description.strip():
                changed.append("风险点")
            if (old.final_level or old.proposed_level) != new.proposed_level:
                changed.append("风险等级")
            if [m.text for m in old.measures.all()] != [m.text for m in new.measures.all()]:
                changed.append("防控措施")
        else:
            changed.append("新增" if new else "删除")
        rows.append(ChangeRow(i + 1, old, new, changed))
    return rows
