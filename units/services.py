"""Writes to the organisation model. Every write validates with full_clean() first."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.enums import AuditAction, AuditOutcome
from audit.services import audit_record
from audit.uploads import validate_spreadsheet_upload
from units import roster
from units.enums import GrantedRole
from units.models import Department, Person, Post, RoleGrant, RosterImport, Unit


def username_for(*, unit: Unit, employee_no: str) -> str:
    """The login name of a person: lower-case unit code, a hyphen, the employee number
    (GYRC + 000123 → "gyrc-000123"). Stable, predictable, unique because 工号 is unique per unit."""
    return f"{unit.code.lower()}-{employee_no.strip()}"


@transaction.atomic
def person_create(
    *,
    unit: Unit,
    employee_no: str,
    name: str,
    department: Department | None = None,
    post: Post | None = None,
    job_title: str = "",
    phone: str = "",
    email: str = "",
    active: bool = True,
    username: str | None = None,
) -> Person:
    """Create a person with a login that has no usable password until an invite or reset."""
    person = Person(
        unit=unit,
        employee_no=employee_no.strip(),
        name=name.strip(),
        department=department,
        post=post,
        job_title=job_title,
        phone=phone,
        email=email,
        active=active,
    )
    # The person's own rules (unique 工号, matching unit) speak first; then the login's.
    person.full_clean(exclude=["user"])
    user = User(username=username or username_for(unit=unit, employee_no=employee_no), email=email)
    user.set_unusable_password()
    user.is_active = active
    user.full_clean()
    user.save()
    person.user = user
    person.save()
    return person


def person_set_active(*, person: Person, active: bool) -> Person:
    """Deactivation keeps the record and the history; it only closes the login."""
    person.active = active
    person.full_clean()
    person.save(update_fields=["active"])
    if person.user.is_active != active:
        person.user.is_active = active
        person.user.save(update_fields=["is_active"])
    return person


def role_grant(
    *,
    person: Person,
    role: GrantedRole,
    unit: Unit,
    include_subunits: bool = False,
    granted_by: User | None = None,
    note: str = "",
) -> RoleGrant:
    grant = RoleGrant.objects.filter(person=person, role=role, unit=unit).first()
    if grant is None:
        grant = RoleGrant(person=person, role=role, unit=unit, granted_by=granted_by)
    grant.include_subunits = include_subunits
    grant.note = note
    grant.full_clean()
    grant.save()
    return grant


def roster_import(
    *,
    unit: Unit,
    content: bytes,
    file_name: str,
    dry_run: bool,
    deactivate_missing: bool = False,
    blank_clears: bool = False,
    accept_warnings: bool | set[int] = False,
    confirm_org: bool | set[str] = True,
    create_org: bool = True,
    imported_by: User | None = None,
    source: str = RosterImport.Source.ADMIN,
    os_user: str = "",
    client_address: str | None = None,
) -> "roster.RosterImportResult":
    """Import a roster file into `unit`: all rows or none, recorded as a RosterImport.

    The file is checked first (size, and a spreadsheet by its content: audit.uploads). A file
    that cannot be used raises roster.RosterFileError. Bad rows come back in
    `result.plan.errors` and nothing is written. A dry run performs every write inside a
    savepoint and rolls it back, so the preview meets the same database rules as the real run.
    Every attempt, previews and failures included, is one row of the audit log; a failed one
    writes nothing else.

    A real import also writes nothing while a warning (e.g. a same-name newcomer) is not
    accepted — `accept_warnings` is True for all, or the set of accepted row numbers — or a
    department or post it would create is not confirmed (`confirm_org`: True, or the set of
    confirmed keys of `plan.new_org_items`); `result.needs_confirmation` then says so.
    `create_org=False` refuses the file instead (`--no-create`). Blank optional cells keep the
    stored values unless `blank_clears`.
    """
    audit = {
        "actor": imported_by,
        "address": client_address,
        "base": {
            "file_name": (file_name or "")[-255:],
            "file_sha256": hashlib.sha256(content).hexdigest(),
            "source": str(source),
            "os_user": os_user,
            "dry_run": dry_run,
            "deactivate_missing": deactivate_missing,
            "blank_clears": blank_clears,
        },
    }
    try:
        try:
            validate_spreadsheet_upload(
                ContentFile(content, name=file_name), max_bytes=roster.MAX_ROSTER_BYTES
            )
        except ValidationError as exc:
            message = f"“{file_name or '上传的文件'}”：{' '.join(exc.messages)}"
            if exc.code not in ("too_large", "zip_bomb"):
                # Not a spreadsheet: the roster reader says more precisely what the file is.
                roster.read_roster(content, file_name)
            raise roster.RosterFileError(message) from exc
        parsed = roster.read_roster(content, file_name)
    except roster.RosterFileError as exc:
        _roster_audit(audit, obj=unit, outcome=AuditOutcome.FAILURE, error=str(exc))
        raise
    try:
        with transaction.atomic():
            # One import per unit at a time: the second waits and then sees the first's result.
            unit = Unit.objects.select_for_update().get(pk=unit.pk)
            plan = roster.plan_roster(
                unit=unit,
                rows=parsed.rows,
                present=parsed.present,
                deactivate_missing=deactivate_missing,
                acting_user=imported_by,
                blank_clears=blank_clears,
                create_org=create_org,
            )
            result = roster.RosterImportResult(
                parsed=parsed,
                plan=plan,
                dry_run=dry_run,
                pending_warnings=[
                    w for w in plan.warnings if not _accepted(accept_warnings, w.row_no)
                ],
                unconfirmed_org=[
                    item for item in plan.new_org_items if not _accepted(confirm_org, item[0])
                ],
            )
            if not result.ok:
                _roster_audit(
                    audit,
                    obj=unit,
                    outcome=AuditOutcome.FAILURE,
                    rows=len(parsed.rows),
                    bad_rows=len({e.row_no for e in plan.errors if e.row_no}),
                )
                return result
            if result.needs_confirmation and not dry_run:
                _roster_audit(
                    audit,
                    obj=unit,
                    outcome=AuditOutcome.FAILURE,
                    rows=len(parsed.rows),
                    error="提醒未确认或新建部室、岗位未确认，未写入",
                )
                return result
            if dry_run:
                with transaction.atomic():
                    _roster_apply(plan)
                    transaction.set_rollback(True)
            else:
                _roster_apply(plan)
            record = RosterImport(
                unit=unit,
                imported_by=imported_by,
                os_user=os_user,
                source=source,
                file_name=(file_name or "")[-255:],
                file_sha256=hashlib.sha256(content).hexdigest(),
                dry_run=dry_run,
                deactivate_missing=deactivate_missing,
                rows=len(parsed.rows),
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                deactivated=result.deactivated,
                departments_created=len(plan.new_departments),
                posts_created=len(plan.new_posts),
            )
            record.full_clean()
            record.save()
            result.record = record
            _roster_audit(
                audit,
                obj=record,
                outcome=AuditOutcome.SUCCESS,
                rows=record.rows,
                created=record.created,
                updated=record.updated,
                unchanged=record.unchanged,
                deactivated=record.deactivated,
            )
            return result
    except IntegrityError as exc:
        # Only a concurrent change outside the import can get here (the plan checked the rest).
        message = "写入时与其他人同时进行的修改冲突，本次导入未写入任何数据；请重新导入。"
        _roster_audit(audit, obj=unit, outcome=AuditOutcome.FAILURE, error=message)
        raise roster.RosterFileError(message) from exc


def _accepted(choice: bool | set, key) -> bool:
    return choice if isinstance(choice, bool) else key in choice


def _roster_audit(audit: dict, *, obj, outcome: str, **details) -> None:
    audit_record(
        actor=audit["actor"],
        action=AuditAction.ROSTER_IMPORT,
        obj=obj,
        outcome=outcome,
        address=audit["address"],
        details={**audit["base"], **details},
    )


def _roster_apply(plan: "roster.RosterPlan") -> None:
    """Write a checked plan with bulk statements: a fixed number of queries for any size.

    People are not full_clean()ed one by one (that costs queries per row): the plan checked
    each row with the model's own validators and lengths, and the database's constraints
    (unique 工号 per unit, unique username) stand behind it.
    """
    unit = plan.unit
    departments = dict(plan.departments)
    order = Department.objects.filter(unit=unit).aggregate(m=Max("order"))["m"] or 0
    new_departments = []
    for order_offset, name in enumerate(plan.new_departments, start=1):
        department = Department(unit=unit, name=name, order=order + order_offset)
        # The unit is locked above and certainly exists: skip the per-object FK lookup.
        department.full_clean(exclude=["unit"], validate_unique=False, validate_constraints=False)
        new_departments.append(department)
        departments[name] = department
    Department.objects.bulk_create(new_departments)

    posts = dict(plan.posts)
    order = Post.objects.filter(unit=unit).aggregate(m=Max("order"))["m"] or 0
    new_posts = []
    for order_offset, (key, spec) in enumerate(plan.new_posts.items(), start=1):
        post = Post(
            unit=unit,
            department=departments[spec.department] if spec.department else None,
            name=spec.name,
            tier=spec.tier,
            is_key=spec.is_key,
            order=order + order_offset,
        )
        post.full_clean(
            exclude=["unit", "department"], validate_unique=False, validate_constraints=False
        )
        new_posts.append(post)
        posts[key] = post
    Post.objects.bulk_create(new_posts)
    changed_posts = []
    for post, tier, is_key in plan.changed_posts.values():
        post.tier, post.is_key = tier, is_key
        changed_posts.append(post)
    Post.objects.bulk_update(changed_posts, ["tier", "is_key"])

    def place(values) -> tuple[Department | None, Post | None]:
        department = departments[values.department] if values.department else None
        post = posts[(values.department, values.post)] if values.post else None
        return department, post

    new_people, new_users = [], []
    changed_people, changed_users = [], []
    for row in plan.rows:
        values = row.values
        department, post = place(values)
        if row.action == "new":
            active = values.active is not False
            new_users.append(
                User(
                    username=username_for(unit=unit, employee_no=values.employee_no),
                    email=values.email or "",
                    is_active=active,
                    # What set_unusable_password() stores (no login until an invite or a
                    # reset), with one urandom call instead of 40 random.choice calls.
                    password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                )
            )
            new_people.append(
                Person(
                    unit=unit,
                    employee_no=values.employee_no,
                    name=values.name,
                    department=department,
                    post=post,
                    job_title=values.job_title or "",
                    phone=values.phone or "",
                    email=values.email or "",
                    active=active,
                )
            )
        elif row.action == "update":
            person = row.person
            person.name = values.name
            person.department = department
            person.post = post
            for name in ("job_title", "phone", "email", "active"):
                if getattr(values, name) is not None:
                    setattr(person, name, getattr(values, name))
            changed_people.append(person)
            user = person.user
            if user.is_active != person.active or user.email != person.email:
                user.is_active, user.email = person.active, person.email
                changed_users.append(user)
    User.objects.bulk_create(new_users, batch_size=1000)
    for person, user in zip(new_people, new_users, strict=True):
        person.user = user
    Person.objects.bulk_create(new_people, batch_size=1000)
    _update_rows(
        Person,
        changed_people,
        ["name", "department", "post", "job_title", "phone", "email", "active"],
    )
    _update_rows(User, changed_users, ["is_active", "email"])
    if plan.deactivate:
        ids = [p.pk for p in plan.deactivate]
        Person.objects.filter(pk__in=ids).update(active=False)
        User.objects.filter(person__in=ids).update(is_active=False)


def _update_rows(model: type[models.Model], objects: list, field_names: list[str]) -> None:
    """Save `field_names` of many objects: one UPDATE statement sent with executemany.

    bulk_update() builds a CASE expression per object and field, which for 5,000 people costs
    seconds of Python; executemany costs a few milliseconds per thousand rows on SQLite and
    PostgreSQL alike. Values go through each field's own conversion (get_db_prep_save).
    """
    if not objects:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def password_set_email_send(*, person: Person, base_url: str) -> None:
    """Mail the person a one-time link to choose their password (Django's reset tokens: the
    link stops working once a password is set, and after PASSWORD_RESET_TIMEOUT)."""
    if not person.email:
        raise ValueError("person has no email")
    user = person.user
    path = reverse(
        "password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "person": person,
        "username": user.username,
        "url": base_url.rstrip("/") + path,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = render_to_string("registration/password_set_subject.txt", context).strip()
    body = render_to_string("registration/password_set_email.txt", context)
    send_mail(subject, body, None, [person.email])
