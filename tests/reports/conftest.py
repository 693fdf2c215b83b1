"""Report fixtures: a GYRC round with forms of every layout, some filed and signed."""

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

from risks.models import RiskForm, Round
from tests.factories import make_form, make_point, make_round
from units.models import Department, Person, Post, Unit
from workflow.enums import FormState
from workflow.models import Signature


@pytest.fixture(autouse=True)
def empty_cache():
    """Pages keep their tables in the cache (the register): no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate_tasks(settings):
    """Run background jobs in the request (the worker's code path, without a worker)."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }


def sign(form: RiskForm, kind: str, person: Person, day: dt.date) -> Signature:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return Signature.objects.create(
        form=form, kind=kind, person=person, name=person.name, signed_at=at
    )


def set_state(form: RiskForm, state: str) -> RiskForm:
    # Arranging test data: in the app only workflow.services changes a form's state.
    RiskForm.objects.filter(pk=form.pk).update(state=state)
    form.refresh_from_db()
    return form


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


FEB_2026 = timezone.make_aware(dt.datetime(2026, 2, 1, 9, 0))


@dataclass
class Register:
    unit: Unit
    round: Round
    people: dict[str, Person]
    forms: dict[str, RiskForm]


@pytest.fixture
def reg(demo) -> Register:
    gyrc = Unit.objects.get(code="GYRC")
    rnd = make_round(unit=gyrc, title="2026年度廉政风险排查")
    p = {
        key: Person.objects.get(user=demo[key])
        for key in ("staff", "staff2", "head", "leader", "principal")
    }
    p["cashier"] = Person.objects.get(unit=gyrc, employee_no="000206")
    office = Department.objects.get(unit=gyrc, name="办公室")

    staff = make_form(round=rnd, post=p["staff"].post, filler=p["staff"])
    make_point(
        form=staff,
        category="duty",
        description="利用文件收发便利泄露未公开信息",
        level=3,
        likelihood=1,
        harm=2,
        measures=("严格执行保密制度", "文件收发逐件登记"),
        responsible_person="李晓燕",
    )
    make_point(
        form=staff,
        category="external",
        description="接受服务对象请托，违规提供档案查阅",
        level=2,
        measures=("档案查阅实行审批登记",),
    )
    sign(staff, "filler", p["staff"], dt.date(2026, 3, 5))
    sign(staff, "supervisor", p["leader"], dt.date(2026, 3, 20))
    sign(staff, "principal", p["principal"], dt.date(2026, 3, 25))
    set_state(staff, FormState.FILED)

    relief = make_form(round=rnd, post=p["staff2"].post, filler=p["staff2"])
    make_point(
        form=relief,
        category="process",
        description="救灾物资发放不按标准，优亲厚友",
        level=1,
        likelihood=3,
        harm=3,
        measures=("发放名单公示", "双人经办、领导审批"),
    )
    sign(relief, "filler", p["staff2"], dt.date(2026, 3, 6))
    set_state(relief, FormState.FILED)

    principal = make_form(round=rnd, post=p["principal"].post, filler=p["principal"])
    make_point(
        form=principal,
        category="duty",
        description="“三重一大”事项个人决定，未经集体研究",
        level=1,
        likelihood=3,
        harm=3,
        measures=("严格执行“三重一大”集体决策制度",),
    )
    set_state(principal, FormState.FILED)

    leader = make_form(
        round=rnd, post=Post.objects.get(unit=gyrc, name="秘书长"), filler=p["leader"]
    )
    make_point(form=leader, category="duty", description="分管部室经费审批把关不严", level=2)
    set_state(leader, FormState.FILED)

    dept = make_form(round=rnd, subject_kind="department", department=office, filler=p["head"])
    make_point(
        form=dept,
        category="process",
        description="公务接待超标准、超范围",
        level=2,
        measures=("执行公务接待清单制度",),
    )
    set_state(dept, FormState.FILED)

    leadership = make_form(round=rnd, subject_kind="leadership", filler=p["principal"])
    make_point(
        form=leadership,
        category="large_funds",
        description="大额资金使用未经党组集体研究",
        level=1,
        likelihood=3,
        harm=3,
        measures=("大额资金使用党组会集体决定",),
    )
    set_state(leadership, FormState.FILED)

    draft = make_form(round=rnd, post=p["cashier"].post, filler=p["cashier"])
    make_point(
        form=draft, category="duty", description="坐支现金、公款私存", level=1, likelihood=3, harm=3
    )
    # The round was opened in February 2026 (the quarterly summary counts the forms that
    # existed at a quarter's end). Arranging test data, like set_state.
    RiskForm.objects.filter(round=rnd).update(created_at=FEB_2026)

    return Register(
        unit=gyrc,
        round=rnd,
        people=p,
        forms={
            "staff": staff,
            "relief": relief,
            "principal": principal,
            "leader": leader,
            "dept": dept,
            "leadership": leadership,
            "draft": draft,
        },
    )
