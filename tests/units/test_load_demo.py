import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from powers.models import PowerItem
from units.models import Department, Person, Post, RoleGrant, Unit

pytestmark = pytest.mark.django_db

MODELS = [Unit, Department, Post, PowerItem, Person, RoleGrant, User]


def _snapshot() -> dict:
    return {m.__name__: sorted(map(repr, m.objects.values_list())) for m in MODELS}


def test_load_demo_creates_the_demo_org_and_prints_accounts(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in [
        "demo_admin", "demo_audit", "demo_office", "demo_inspector", "demo_principal",
        "demo_leader", "demo_head", "demo_staff", "demo_staff2",
    ]:  # fmt: skip
        assert username in out
        assert User.objects.get(username=username).check_password("demo-pass-2026")
    assert "demo-pass-2026" in out
    gyrc = Unit.objects.get(code="GYRC")
    assert gyrc.name == "广元市红十字会"
    assert Unit.objects.get(code="GYRC-LZ").parent == gyrc
    assert {"办公室", "赈济救护部", "事业发展部"} <= set(
        gyrc.departments.values_list("name", flat=True)
    )
    assert gyrc.posts.filter(tier="staff").count() >= 12
    assert gyrc.posts.filter(is_key=True, tier="staff").exists()
    assert {"党组书记、常务副会长", "纪检组长", "秘书长"} <= set(
        gyrc.posts.filter(department__isnull=True).values_list("name", flat=True)
    )
    assert Person.objects.filter(unit__code="GYRC-LZ").count() >= 3


def test_load_demo_twice_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    before = _snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert _snapshot() == before
    assert "无需更改" in capsys.readouterr().out


def test_load_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert Unit.objects.count() == 0
