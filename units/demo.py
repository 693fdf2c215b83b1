"""The demo organisation (fixtures/demo/gyrc.json).

Loads idempotently: a second run writes nothing.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction

from units.models import Department, Person, Post, RoleGrant, Unit
from units.services import username_for

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "gyrc.json"
DEMO_PASSWORD = "demo-pass-2026"


@dataclass
class DemoResult:
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, role text
    changed: int = 0


def _sync(
    model: type[models.Model], lookup: dict, values: dict, result: DemoResult
) -> models.Model:
    """Get or create by `lookup`; save only the fields that differ, so re-runs write nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        result.changed += 1
        return obj
    dirty = [name for name, value in values.items() if getattr(obj, name) != value]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
        result.changed += 1
    return obj


@transaction.atomic
def load_demo_org() -> DemoResult:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    result = DemoResult()
    units: dict[str, Unit] = {}
    for order, u in enumerate(data["units"]):
        unit = _sync(
            Unit,
            {"code": u["code"]},
            {
                "name": u["name"],
                "short_name": u["short_name"],
                "parent": units[u["parent"]] if u["parent"] else None,
                "level_labels": u["level_labels"],
                "duties": u.get("duties", ""),
                "order": order,
            },
            result,
        )
        units[u["code"]] = unit
        departments = {}
        for d_order, d in enumerate(u["departments"]):
            departments[d["name"]] = _sync(
                Department,
                {"unit": unit, "name": d["name"]},
                {"code": d["code"], "duties": d.get("duties", ""), "order": d_order},
                result,
            )
        posts = {}
        for p_order, p in enumerate(u["posts"]):
            dept = departments[p["department"]] if p.get("department") else None
            post = _sync(
                Post,
                {"unit": unit, "department": dept, "name": p["name"]},
                {"tier": p["tier"], "is_key": p["is_key"], "duties": p["duties"], "order": p_order},
                result,
            )
            posts[p["name"]] = post
        people = {}
        for person_data in u["people"]:
            people[person_data["employee_no"]] = _load_person(
                unit, departments, posts, person_data, result
            )
        for d in u["departments"]:
            _sync(
                Department,
                {"unit": unit, "name": d["name"]},
                {"head": people[d["head"]], "supervisor": people[d["supervisor"]]},
                result,
            )
    # The personas that must use a second factor get the README's TOTP secret (audit/mfa.py).
    from audit.mfa import demo_devices_load

    result.changed += demo_devices_load()
    return result


def _load_person(unit, departments, posts, data: dict, result: DemoResult) -> Person:
    username = data.get("username") or username_for(unit=unit, employee_no=data["employee_no"])
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_unusable_password()
        user.save()
        result.changed += 1
    if data.get("username") and not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
        result.changed += 1
    person = _sync(
        Person,
        {"unit": unit, "employee_no": data["employee_no"]},
        {
            "user": user,
            "name": data["name"],
            "department": departments[data["department"]] if data.get("department") else None,
            "post": posts[data["post"]],
            "job_title": data["job_title"],
            "phone": data["phone"],
            "active": True,
        },
        result,
    )
    role_texts = [person.post.get_tier_display()]
    for grant in data.get("grants", []):
        _sync(
            RoleGrant,
            {"person": person, "role": grant["role"], "unit": unit},
            {"include_subunits": grant["include_subunits"]},
            result,
        )
        role_texts.append(RoleGrant(role=grant["role"]).get_role_display())
    if data.get("username"):
        place = data.get("department") or "领导班子"
        result.accounts.append(
            (
                username,
                data["name"],
                f"{unit.short_name}{place}·{data['post']}；{'、'.join(role_texts)}",
            )
        )
    return person
