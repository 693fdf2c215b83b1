"""Synthetic, realistic data for load tests and benchmarks (`manage.py generate_scale_data`).

Everything is written with bulk_create in large batches, so 100 units × 500 staff take seconds
to a minute, not hours. The data is plausible (Chinese names, departments, posts, forms in every
state, points and measures) but fictional, and lives under its own root unit (code SCALE) so it
never mixes with real units.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from risks.enums import CATEGORIES_BY_SUBJECT, SubjectKind, suggested_level
from risks.models import Measure, RiskForm, RiskPoint, Round
from units.enums import GrantedRole, PostTier
from units.models import Department, Person, Post, RoleGrant, Unit
from workflow.enums import Action, FormState, RatingVerdict
from workflow.models import (
    CollectiveMeeting,
    FormDecision,
    Objection,
    PublicNotice,
    Rating,
    RatingWindow,
    Signature,
    SignatureKind,
    TransitionLog,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉鹏飞玲丹萍斌宇浩凯秀珍健俊帆雪婷琳晨阳欣怡佳睿博思雨泽宁"
DEPARTMENTS = [
    "办公室",
    "财务科",
    "赈济救护科",
    "事业发展科",
    "组织宣传科",
    "项目管理科",
    "志愿服务中心",
]
STAFF_POSTS = [
    ("财务会计", True), ("出纳", True), ("综合文秘", False), ("物资管理", True), ("救助审核", True),
    ("项目管理", True), ("宣传信息", False), ("档案管理", False), ("驾驶员", True), ("采购管理", True),
    ("志愿者管理", False), ("培训管理", False),
]  # fmt: skip
RISKS = [
    "审核把关不严，对不符合条件的申请予以通过",
    "利用职务便利收受服务对象财物",
    "未按规定程序采购，化整为零规避招标",
    "捐赠款物登记不及时、不完整",
    "公务接待超标准、超范围",
    "公车私用或未按规定登记出车",
    "统计数据弄虚作假",
    "优亲厚友，违规确定救助对象",
]
MEASURES = [
    "严格执行审批程序，实行集体研究",
    "定期公开办理结果，接受群众监督",
    "纪检组不定期抽查",
    "建立台账，做到账实相符",
    "落实一岗双责，开展廉政提醒谈话",
]
STATE_SHARES = [
    (FormState.DRAFT, 0.15),
    (FormState.DEPT_REVIEW, 0.15),
    (FormState.MASS_REVIEW, 0.15),
    (FormState.COLLECTIVE, 0.15),
    (FormState.PUBLIC_NOTICE, 0.1),
    (FormState.FILED, 0.3),
]


@dataclass
class ScaleResult:
    units: int = 0
    people: int = 0
    forms: int = 0
    points: int = 0
    measures: int = 0
    ratings: int = 0
    log_rows: int = 0
    decisions: int = 0
    objections: int = 0
    unit_codes: list = None  # codes of the units made by this call


ORDER = list(FormState.values)  # the chain, in order
# What led into each state: (action, from, to, role of the actor).
STEPS = [
    (Action.SUBMIT, FormState.DRAFT, FormState.DEPT_REVIEW, "filler"),
    (Action.PASS, FormState.DEPT_REVIEW, FormState.MASS_REVIEW, "dept_head"),
    (Action.CLOSE_MASS_REVIEW, FormState.MASS_REVIEW, FormState.COLLECTIVE, "integrity_office"),
    (Action.PUBLISH, FormState.COLLECTIVE, FormState.PUBLIC_NOTICE, "integrity_office"),
    (Action.FILE, FormState.PUBLIC_NOTICE, FormState.FILED, "integrity_office"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _reached(state: str, target: str) -> bool:
    return ORDER.index(state) >= ORDER.index(target)


def _state(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for state, share in STATE_SHARES:
        acc += share
        if roll < acc:
            return state
    return FormState.FILED


@transaction.atomic
def generate(
    *,
    units: int,
    staff_per_unit: int,
    points_per_form: int,
    seed: int = 2026,
    year: int = 2026,
    state: str | None = None,
    departments: int | None = None,
    raters_per_point: int = 2,
    objection_share: float = 0.1,
) -> ScaleResult:
    """Append `units` synthetic units under SCALE. `state` puts every staff form in one state
    (the other forms stay drafts) and `departments` limits the departments, so a benchmark can
    build an exact situation ("300 forms waiting for one head")."""
    rng = random.Random(seed)
    result = ScaleResult(unit_codes=[])
    root, _ = Unit.objects.get_or_create(code="SCALE", defaults={"name": "压力测试市级单位"})
    start = Unit.objects.filter(code__startswith="SCALE-").count()
    password = make_password(None)  # unusable: synthetic accounts cannot log in
    now = timezone.now()
    for n in range(start + 1, start + units + 1):
        unit = Unit(
            code=f"SCALE-{n:04d}", name=f"测试县区{n}红十字会", short_name=f"测试{n}", parent=root
        )
        unit.save()
        result.units += 1
        result.unit_codes.append(unit.code)
        depts = Department.objects.bulk_create(
            [
                Department(unit=unit, name=name, code=f"D{i}", order=i)
                for i, name in enumerate(DEPARTMENTS[: departments or len(DEPARTMENTS)])
            ]
        )
        posts = [
            Post(
                unit=unit,
                name="党组书记",
                tier=PostTier.PRINCIPAL,
                is_key=True,
                duties="主持全面工作",
            ),
            Post(
                unit=unit, name="副会长", tier=PostTier.LEADER, is_key=True, duties="分管业务工作"
            ),
            Post(
                unit=unit, name="秘书长", tier=PostTier.LEADER, is_key=True, duties="分管综合工作"
            ),
        ]
        for i, dept in enumerate(depts):
            posts.append(
                Post(
                    unit=unit,
                    department=dept,
                    name=f"{dept.name}负责人",
                    tier=PostTier.MIDDLE,
                    is_key=True,
                    order=i,
                )
            )
            for j, (post_name, is_key) in enumerate(STAFF_POSTS):
                posts.append(
                    Post(
                        unit=unit,
                        department=dept,
                        name=post_name,
                        tier=PostTier.STAFF,
                        is_key=is_key,
                        order=100 + j,
                    )
                )
        posts = Post.objects.bulk_create(posts)
        leadership = posts[:3]
        heads = [p for p in posts if p.tier == PostTier.MIDDLE]
        staff_posts = [p for p in posts if p.tier == PostTier.STAFF]
        # People: the leadership, one head per department, the rest spread over staff posts.
        assignments = list(leadership) + heads
        while len(assignments) < staff_per_unit:
            assignments.append(staff_posts[len(assignments) % len(staff_posts)])
        assignments = assignments[:staff_per_unit]
        users = User.objects.bulk_create(
            [
                User(username=f"scale{n:04d}-{i:05d}", password=password)
                for i in range(len(assignments))
            ],
            batch_size=2000,
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    user=user,
                    unit=unit,
                    employee_no=f"{i:05d}",
                    name=_name(rng),
                    department_id=post.department_id,
                    post=post,
                    job_title=post.name,
                    phone=f"139{n:04d}{i:04d}",
                )
                for i, (user, post) in enumerate(zip(users, assignments, strict=True))
            ],
            batch_size=2000,
        )
        result.people += len(people)
        heads_by_dept = {p.department_id: p for p in people if p.post.tier == PostTier.MIDDLE}
        for i, dept in enumerate(depts):
            dept.head = heads_by_dept.get(dept.pk)
            dept.supervisor = people[1 + i % 2] if len(people) > 2 else None
        Department.objects.bulk_update(depts, ["head", "supervisor"])
        rnd = Round.objects.create(unit=unit, year=year, title=f"{year}年度廉政风险排查")
        forms = [
            RiskForm(round=rnd, unit=unit, subject_kind=SubjectKind.POST, post=person.post,
                     department_id=person.department_id, filler=person,
                     state=_state(rng) if state is None else
                     state if person.post.tier == PostTier.STAFF else FormState.DRAFT)
            for person in people
        ]  # fmt: skip
        forms += [
            RiskForm(round=rnd, unit=unit, subject_kind=SubjectKind.DEPARTMENT, department=dept,
                     filler=dept.head, state=_state(rng) if state is None else FormState.DRAFT)
            for dept in depts
        ]  # fmt: skip
        forms.append(
            RiskForm(
                round=rnd,
                unit=unit,
                subject_kind=SubjectKind.LEADERSHIP,
                filler=people[0],
                state=_state(rng) if state is None else FormState.DRAFT,
            )
        )
        for form in forms:
            form.subject_key = form.compute_subject_key()
            if form.state != FormState.DRAFT:
                form.overall_proposed_level = rng.choice((1, 2, 2, 3, 3, 3))
            if form.state in FormState.published():
                form.overall_final_level = form.overall_proposed_level
        forms = RiskForm.objects.bulk_create(forms, batch_size=2000)
        result.forms += len(forms)
        points = []
        for form in forms:
            categories = CATEGORIES_BY_SUBJECT[form.subject_kind]
            for k in range(points_per_form):
                likelihood, harm = rng.randint(1, 3), rng.randint(1, 3)
                level = suggested_level(likelihood, harm)
                decided = form.state in FormState.published()
                final = level if not decided or rng.random() > 0.1 else max(1, level - 1)
                points.append(
                    RiskPoint(
                        form=form, order=k + 1, category=rng.choice(categories),
                        description=rng.choice(RISKS), likelihood=likelihood, harm=harm,
                        proposed_level=level, final_level=final if decided else None,
                        final_reason="集体研究认为风险较高，上调一级" if decided and final != level else "",
                    )
                )  # fmt: skip
        points = RiskPoint.objects.bulk_create(points, batch_size=5000)
        result.points += len(points)
        measures = [
            Measure(point=point, order=m + 1, text=rng.choice(MEASURES))
            for point in points
            for m in range(1 + (point.pk % 2))
        ]
        Measure.objects.bulk_create(measures, batch_size=5000)
        result.measures += len(measures)
        signatures = [
            Signature(
                form=form,
                kind=SignatureKind.FILLER,
                person=form.filler,
                name=form.filler.name,
                signed_at=now,
            )
            for form in forms
            if form.state != FormState.DRAFT and form.filler is not None
        ]
        Signature.objects.bulk_create(signatures, batch_size=5000)
        _workflow_records(
            rng, result, unit=unit, rnd=rnd, people=people, depts=depts, forms=forms,
            points=points, now=now, raters_per_point=raters_per_point,
            objection_share=objection_share, forced=state is not None,
        )  # fmt: skip
    return result


def _workflow_records(
    rng, result, *, unit, rnd, people, depts, forms, points, now, raters_per_point,
    objection_share, forced,
) -> None:  # fmt: skip
    """The chain's records, consistent with each form's state: role grants, transition log,
    rating windows with ratings, a meeting with decisions, notices and objections. (The queues
    need nothing more: access.rules computes them from the org chart.)"""
    staff = [p for p in people if p.post.tier == PostTier.STAFF] or people
    office = staff[0]
    inspector = staff[1 % len(staff)]
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(person=office, role=GrantedRole.INTEGRITY_OFFICE, unit=unit),
            RoleGrant(person=inspector, role=GrantedRole.INSPECTOR, unit=unit),
        ]
    )
    dept_by_id = {d.pk: d for d in depts}
    person_by_id = {p.pk: p for p in people}
    day = datetime.timedelta(days=1)

    def actor(form, role):
        if role == "filler":
            return form.filler
        if role == "dept_head" and form.department_id:
            return person_by_id.get(dept_by_id[form.department_id].head_id) or office
        return office if role == "integrity_office" else people[0]

    logs = []
    for form in forms:
        at = now - 30 * day
        for action, src, dst, role in STEPS:
            if not _reached(form.state, dst):
                break
            who = actor(form, role)
            at += day
            logs.append(
                TransitionLog(
                    form=form, actor_id=who.user_id, actor_name=who.name, role=role,
                    action=action, from_state=src, to_state=dst, created_at=at,
                    comment="同意" if action == Action.PASS else "",
                )
            )  # fmt: skip
    TransitionLog.objects.bulk_create(logs, batch_size=5000)
    result.log_rows += len(logs)

    # 群众评议: an open window over the forms being rated, a closed one over those past it.
    rating_forms = [f for f in forms if f.state == FormState.MASS_REVIEW]
    past = [f for f in forms if _reached(f.state, FormState.COLLECTIVE)]
    through = RatingWindow.forms.through
    links, ratings = [], []
    points_by_form: dict[int, list] = {}
    for point in points:
        points_by_form.setdefault(point.form_id, []).append(point)
    for chosen, open_ in ((rating_forms, True), (past, False)):
        if not chosen:
            continue
        window = RatingWindow.objects.create(
            round=rnd, unit=unit, deadline=now + (7 if open_ else -7) * day, opened_by=office,
            opened_at=now - 10 * day, closed_at=None if open_ else now - 8 * day,
            closed_by=None if open_ else office,
        )  # fmt: skip
        links += [through(ratingwindow_id=window.pk, riskform_id=f.pk) for f in chosen]
        for form in chosen:
            raters = rng.sample(staff, min(raters_per_point, len(staff)))
            for point in points_by_form.get(form.pk, []):
                for rater in raters:
                    if rater.pk == form.filler_id:
                        continue
                    ratings.append(
                        Rating(window=window, point=point, rater=rater,
                               verdict=rng.choice(RatingVerdict.values))
                    )  # fmt: skip
    through.objects.bulk_create(links, batch_size=5000)
    Rating.objects.bulk_create(ratings, batch_size=5000)
    result.ratings += len(ratings)

    # 集体审定: one meeting; forms in COLLECTIVE are half decided (waiting for signatures).
    decided = [
        f
        for f in forms
        if _reached(f.state, FormState.PUBLIC_NOTICE)
        or (f.state == FormState.COLLECTIVE and (forced or rng.random() < 0.5))
    ]
    if decided:
        meeting = CollectiveMeeting.objects.create(
            round=rnd, unit=unit, held_on=(now - 5 * day).date(), attendees="党组全体成员",
            minutes="会议逐一审定了各岗位风险等级。", recorded_by=office,
        )  # fmt: skip
        FormDecision.objects.bulk_create(
            [FormDecision(form=f, meeting=meeting, decided_by=office) for f in decided],
            batch_size=5000,
        )
        result.decisions += len(decided)

    # 公示 and 异议.
    notices = []
    today = timezone.localdate()
    for form in forms:
        if form.state == FormState.PUBLIC_NOTICE:
            notices.append(PublicNotice(form=form, published_on=today - day, starts_on=today,
                                        ends_on=today + 5 * day, published_by=office))  # fmt: skip
        elif form.state == FormState.FILED:
            notices.append(PublicNotice(form=form, published_on=today - 20 * day,
                                        starts_on=today - 19 * day, ends_on=today - 12 * day,
                                        published_by=office, closed_at=now - 11 * day))  # fmt: skip
    notices = PublicNotice.objects.bulk_create(notices, batch_size=5000)
    objections = []
    for notice in notices:
        if rng.random() >= objection_share:
            continue
        answered = notice.form.state == FormState.FILED or rng.random() < 0.5
        objections.append(
            Objection(
                form=notice.form, notice=notice, point=(points_by_form.get(notice.form.pk) or [None])[0],
                text="该岗位风险等级评定偏低，建议上调。", raised_by=None if rng.random() < 0.5 else rng.choice(staff),
                answer="经复核，维持原评定等级。" if answered else "", upheld=False if answered else None,
                answered_by=office if answered else None, answered_at=now - 9 * day if answered else None,
            )
        )  # fmt: skip
    Objection.objects.bulk_create(objections, batch_size=5000)
    result.objections += len(objections)
