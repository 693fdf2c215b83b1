"""The quarterly summary against records made by the approval chain itself (form_transition):
submit → pass → 群众评议 → 集体审定 (a level raised) → signatures → 公示 → objections (one answered,
one still open) → 备案 → 重新评定 (a level lowered in the new version). Every expected number
below is counted by hand from the story in `chain`."""

import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports import quarterly
from risks.models import RiskForm
from tests.factories import make_form, make_round
from tests.reports.conftest import pdf_text
from tests.workflow.conftest import act, complete_form, person_of
from units.models import Unit
from workflow import services
from workflow.enums import Action, FormState, RatingVerdict, RerateReason
from workflow.models import CollectiveMeeting, TransitionLog

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR, QUARTER = TODAY.year, (TODAY.month - 1) // 3 + 1


def _to_collective(demo, forms, rnd, raters):
    """Both forms through 部室审核 into one whole-unit rating window, rated, closed."""
    act(forms["a"], Action.SUBMIT, demo["staff"])
    act(forms["a"], Action.PASS, demo["head"], comment="岗位风险查找准确，同意。")
    act(forms["b"], Action.SUBMIT, demo["head"])
    act(forms["b"], Action.PASS, demo["leader"])
    window, batch = services.rating_window_open(
        actor=demo["office"], round=rnd, deadline=timezone.now() + dt.timedelta(days=3)
    )
    assert len(batch.done) == 2
    a1, a2 = forms["a"].points.order_by("order", "id")
    b1 = forms["b"].points.order_by("order", "id").first()
    for rater, point, verdict in raters(a1, a2, b1):
        services.rating_save(window=window, point=point, rater=rater, verdict=verdict)
    services.rating_window_close(window=window, actor=demo["office"])
    return a1, a2


@pytest.fixture
def chain(demo):
    gyrc = Unit.objects.get(code="GYRC")
    rnd = make_round(unit=gyrc, year=YEAR, title=f"{YEAR}年度廉政风险排查（流程）")
    staff, head = person_of(demo["staff"]), person_of(demo["head"])
    forms = {
        "a": complete_form(make_form(round=rnd, post=staff.post, filler=staff)),  # 2 points, 二级
        "b": complete_form(make_form(round=rnd, post=head.post, filler=head)),  # 2 points, 二级
    }
    staff2, leader = person_of(demo["staff2"]), person_of(demo["leader"])

    def raters(a1, a2, b1):
        # 4 ratings by 2 people on 3 points: 2 偏低 (a1), 2 同意 (a2, b1).
        return [
            (staff2, a1, RatingVerdict.TOO_LOW),
            (leader, a1, RatingVerdict.TOO_LOW),
            (staff2, a2, RatingVerdict.AGREE),
            (staff2, b1, RatingVerdict.AGREE),
        ]

    a1, a2 = _to_collective(demo, forms, rnd, raters)
    meeting = CollectiveMeeting.objects.create(
        round=rnd,
        unit=gyrc,
        held_on=TODAY,
        attendees="周文涛、王建国、陈雅琴、郑立新",
        minutes="审定各岗位廉政风险等级。",
        recorded_by=person_of(demo["office"]),
    )
    # a1 raised from 二级 to 一级 at the collective decision; everything else as proposed.
    act(
        forms["a"],
        Action.DECIDE,
        demo["office"],
        comment="经党组会议集体审定。",
        meeting=meeting,
        levels={a1.pk: (1, "群众评议认为偏低，集体审定上调为一级"), a2.pk: (2, "")},
    )
    act(
        forms["b"],
        Action.DECIDE,
        demo["office"],
        meeting=meeting,
        levels={p.pk: (p.proposed_level, "") for p in forms["b"].points.all()},
    )
    for form, days_ago in ((forms["a"], 1), (forms["b"], 0)):
        act(form, Action.SIGN_SUPERVISOR, demo["leader"])
        act(form, Action.SIGN_PRINCIPAL, demo["principal"])
        act(form, Action.PUBLISH, demo["office"], published_on=TODAY - dt.timedelta(days=days_ago))
    # Two objections: a's answered (not upheld), b's still open (anonymous).
    answered = services.objection_raise(actor=demo["staff2"], form=forms["a"], text="等级偏高")
    services.objection_raise(
        actor=demo["staff2"], form=forms["b"], text="应补充接待风险", anonymous=True
    )
    forms["a"].notices.update(ends_on=TODAY - dt.timedelta(days=1))  # the notice period is over
    services.objection_answer(
        objection=answered, actor=demo["office"], answer="经核实，维持审定等级。", upheld=False
    )
    act(forms["a"], Action.FILE, demo["office"])
    # Re-rated (job change); the new version lowers its 2nd point from 二级 to 三级.
    new = act(
        forms["a"],
        Action.RERATE,
        demo["office"],
        comment="岗位职责调整，重新查找",
        reason=RerateReason.JOB_CHANGE,
    ).new_form
    new.points.filter(order=a2.order).update(proposed_level=3)  # as the filler edits the draft
    forms["a2"] = new
    return gyrc, forms


def test_levels_raised_and_lowered(chain):
    gyrc, forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    assert [
        (r["source"], r["form_id"], r["from_level"], r["to_level"], r["direction"])
        for r in s.level_changes
    ] == [
        ("decision", forms["a"].pk, 2, 1, "raised"),
        # A re-rated version starts afresh: its first point proposes the level likelihood ×
        # harm suggest (二级) again, not the 一级 the meeting decided last time.
        ("rerate", forms["a2"].pk, 1, 2, "lowered"),
        ("rerate", forms["a2"].pk, 2, 3, "lowered"),
    ]
    assert s.level_changes[0]["reason"] == "群众评议认为偏低，集体审定上调为一级"
    assert s.level_changes[2]["reason"] == "岗位职责调整，重新查找"
    assert s.level_change_totals() == {
        "decision": {"raised": 1, "lowered": 0},
        "rerate": {"raised": 0, "lowered": 2},
    }


def test_rerated_forms_with_reason(chain):
    gyrc, forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    assert [(r["form_id"], r["version"], r["state"], r["reason_kind"]) for r in s.rerated] == [
        (forms["a2"].pk, 2, "自查填报", "岗位变动")
    ]


def test_objections_raised_answered_and_open(chain):
    gyrc, forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    assert s.objections_totals == {"raised": 2, "answered": 1, "upheld": 0, "open": 1}
    assert [
        (r["department"], r["raised"], r["answered"], r["open"]) for r in s.objections_by_department
    ] == [("办公室", 2, 1, 1)]
    assert [(o["form_id"], o["text"]) for o in s.open_objections] == [
        (forms["b"].pk, "应补充接待风险")
    ]
    assert "raised_by" not in s.open_objections[0]


def test_rating_participation_counts_never_names(chain, demo):
    gyrc, _forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    (w,) = s.rating_windows
    assert (w["scope"], w["forms"], w["points_rated"], w["ratings"], w["raters"]) == (
        "全单位",
        2,
        3,
        4,
        2,
    )
    assert (w["agree"], w["too_high"], w["too_low"]) == (2, 0, 2)
    assert w["people_in_scope"] == gyrc.people.filter(active=True).count()
    doc = quarterly.render(s, fmt="json").decode()
    for key in ("staff2", "leader"):
        assert person_of(demo[key]).name not in doc


def test_progress_as_at_the_end_of_the_quarter(chain):
    gyrc, _forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    # The current versions: a's new version in 自查填报, b in 公示 (a's filed v1 is superseded).
    rows = {
        e["department"]: {k: n for k, n in e["counts"].items() if n}
        for e in s.progress
        if e["total"]
    }
    assert rows == {"办公室": {"draft": 1, "public_notice": 1}}


def test_progress_replays_the_log_for_an_earlier_quarter(demo):
    """A form submitted in one quarter and passed in the next counts in 部室审核 in the first."""
    gyrc = Unit.objects.get(code="GYRC")
    rnd = make_round(unit=gyrc, year=2026)
    staff = person_of(demo["staff"])
    form = make_form(round=rnd, post=staff.post, filler=staff)
    # Arranging history: the form opened in July, submitted in August, passed in October.
    aware = lambda *ymd: timezone.make_aware(dt.datetime(*ymd, 9, 0))  # noqa: E731
    RiskForm.objects.filter(pk=form.pk).update(created_at=aware(2026, 7, 1), state="mass_review")
    for day, src, dst in (
        (aware(2026, 8, 3), FormState.DRAFT, FormState.DEPT_REVIEW),
        (aware(2026, 10, 5), FormState.DEPT_REVIEW, FormState.MASS_REVIEW),
    ):
        TransitionLog.objects.create(
            form=form,
            actor_name="测试",
            role="filler",
            action=Action.SUBMIT if src == FormState.DRAFT else Action.PASS,
            from_state=src,
            to_state=dst,
            created_at=day,
        )

    def counts(quarter):
        s = quarterly.build_summary(unit=gyrc, year=2026, quarter=quarter)
        return {k: n for k, n in s.progress_totals.items() if n}

    assert counts(2) == {}  # not opened yet
    assert counts(3) == {"dept_review": 1}
    assert counts(4) == {"mass_review": 1}


def test_dispositions_are_counted_in_the_supervision_section(chain):
    gyrc, _forms = chain
    doc = json.loads(
        quarterly.render(quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER), fmt="json")
    )
    assert doc["not_yet_available"] == [] and doc["supervision"]["findings"] == 0
    assert doc["objections"]["raised"] == 2 and doc["rating_totals"]["ratings"] == 4
    assert [c["direction"] for c in doc["level_changes"]] == ["raised", "lowered", "lowered"]


def test_pdf_and_workbook_show_the_new_tables(chain):
    gyrc, _forms = chain
    s = quarterly.build_summary(unit=gyrc, year=YEAR, quarter=QUARTER)
    text = pdf_text(quarterly.render(s, fmt="pdf")).replace("\n", "").replace(" ", "")
    for heading in (
        "风险等级上调、下调",
        "本季度重新评定的一览表",
        "异议提出与答复",
        "季末尚未答复的异议",
        "群众评议参与情况",
        "未统计事项",
        "监督发现、预警与处置",
    ):
        assert heading in text, heading
    assert "群众评议认为偏低" in text and "应补充接待风险" in text

    wb = load_workbook(io.BytesIO(quarterly.render(s, fmt="xlsx")))
    changes = list(wb["等级调整"].iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[5], r[6], r[7]) for r in changes] == [
        ("集体审定", "二级", "一级", "上调"),
        ("重新评定", "一级", "二级", "下调"),  # a re-rated version proposes afresh (issue 14)
        ("重新评定", "二级", "三级", "下调"),
    ]
    objections = list(wb["异议"].iter_rows(min_row=4, values_only=True))
    assert objections == [
        ("广元市红十字会", "办公室", 2, 1, 0, 1),
        ("合计", None, 2, 1, 0, 1),
    ]
    rating = next(iter(wb["群众评议"].iter_rows(min_row=4, max_row=4, values_only=True)))
    assert rating[5:9] == (2, 3, 4, 2) and isinstance(rating[7], int)


def test_seed001_review_opinions_come_from_the_log(chain, django_assert_max_num_queries):
    """审核意见 of seed 001: the reviewer's comment, the decision and the raised point's reason."""
    from reports import layouts, selectors
    from reports import services as report_services

    gyrc, forms = chain
    gyrc.form_layout = "seed001"
    gyrc.save(update_fields=["form_layout"])
    with django_assert_max_num_queries(12):
        form = selectors.form_for_report(user=selectors.OPERATOR, pk=forms["a"].pk)
        sheet = layouts.build_sheet(form)
    (cell,) = [c for row in sheet.rows for c in row if c.kind == "opinion"]
    lines = cell.text.split("\n")
    assert re.fullmatch(r"部室审核（.+，\d{4}年\d+月\d+日）：岗位风险查找准确，同意。", lines[0])
    assert re.fullmatch(r"集体审定（.+，\d{4}年\d+月\d+日）：经党组会议集体审定。", lines[1])
    assert lines[2] == "第1个风险点由二级审定为一级：群众评议认为偏低，集体审定上调为一级。"
    # An objection answered during 公示 (issue 14), with its answer.
    assert any(line.startswith("公示异议") and "答复" in line for line in lines[3:])
    text = pdf_text(report_services.render_form(form=form, fmt="pdf")).replace("\n", "")
    text = text.replace(" ", "")
    assert "审核意见" in text and "岗位风险查找准确" in text and "上调为一级" in text
    # The re-rated draft has no opinions yet: the column stays blank for a pen.
    draft = selectors.form_for_report(user=selectors.OPERATOR, pk=forms["a2"].pk)
    assert not [c for row in layouts.build_sheet(draft).rows for c in row if c.kind == "opinion"]
