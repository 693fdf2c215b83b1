"""Admin of the org chart for system admins, scoped to the units they manage."""

import uuid
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from audit.admin_logging import record_inline_role_grants
from audit.enums import AuditAction, AuditOutcome
from audit.net import client_address
from audit.services import audit_record
from units import roles, selectors, services
from units.forms import RosterImportForm
from units.models import Department, Person, Post, PowerItem, RoleGrant, RosterImport, Unit
from units.resources import roster_export_xlsx
from units.roster import COLUMNS, RosterFileError

# Uploaded rosters wait here between the preview and the confirmation.
ROSTER_UPLOAD_DIR = "roster_imports"
ROSTER_UPLOAD_MAX_AGE = timedelta(hours=2)
_ROSTER_SALT = "units.roster-import"


class OrgAdmin(admin.ModelAdmin):
    """Base admin: only system admins, and only over the units their grant covers."""

    # The lookup from this model to its Unit's id, for scoping.
    unit_lookup = "unit_id"
    list_per_page = 50

    def _allowed(self, request: HttpRequest) -> bool:
        return roles.may_manage_org(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request) and (obj is None or self._in_scope(request, obj))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def _in_scope(self, request: HttpRequest, obj) -> bool:
        unit_ids = roles.managed_unit_ids(request.user)
        return unit_ids is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        unit_ids = roles.managed_unit_ids(request.user)
        if unit_ids is None:
            return qs
        return qs.filter(**{f"{self.unit_lookup}__in": unit_ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        unit_ids = roles.managed_unit_ids(request.user)
        model = db_field.related_model
        if unit_ids is not None:
            if model is Unit:
                kwargs["queryset"] = Unit.objects.filter(id__in=unit_ids)
            elif model in (Department, Post, Person):
                kwargs["queryset"] = model.objects.filter(unit_id__in=unit_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _changelist_link(model: str, label: str, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return format_html(
        '<a href="{}?{}">{}</a>', reverse(f"admin:units_{model}_changelist"), query, label
    )


@admin.register(Unit)
class UnitAdmin(OrgAdmin):
    unit_lookup = "id"
    list_display = [
        "tree_name",
        "code",
        "short_name",
        "level_labels",
        "departments_link",
        "posts_link",
        "people_link",
    ]
    search_fields = ["name", "short_name", "code"]
    list_filter = ["level_labels"]
    fields = [
        "name",
        "short_name",
        "code",
        "parent",
        "level_labels",
        "form_layout",
        "duties",
        "order",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_departments=Count("departments", distinct=True),
                n_posts=Count("posts", distinct=True),
                n_people=Count("people", filter=Q(people__active=True), distinct=True),
            )
        )

    @admin.display(description="单位（层级）", ordering="path")
    def tree_name(self, obj: Unit) -> str:
        return format_html(
            "{}{}", "\u3000" * max(obj.depth, 0) + ("└ " if obj.depth else ""), obj.name
        )

    @admin.display(description="部室")
    def departments_link(self, obj: Unit) -> str:
        return _changelist_link("department", f"{obj.n_departments} 个", unit__id__exact=obj.pk)

    @admin.display(description="岗位")
    def posts_link(self, obj: Unit) -> str:
        return _changelist_link("post", f"{obj.n_posts} 个", unit__id__exact=obj.pk)

    @admin.display(description="在岗人员")
    def people_link(self, obj: Unit) -> str:
        return _changelist_link("person", f"{obj.n_people} 人", unit__id__exact=obj.pk)


class PowerItemInline(admin.TabularInline):
    model = PowerItem
    extra = 0
    fields = ["order", "name", "content", "responsible_body", "legal_basis"]


class DepartmentPowerItemInline(PowerItemInline):
    fk_name = "department"


class PostPowerItemInline(PowerItemInline):
    fk_name = "post"


@admin.register(Department)
class DepartmentAdmin(OrgAdmin):
    list_display = ["name", "unit", "code", "head", "supervisor", "posts_link", "people_link"]
    list_filter = ["unit"]
    search_fields = ["name", "code", "unit__name", "head__name", "supervisor__name"]
    list_select_related = ["unit", "head", "supervisor"]
    autocomplete_fields = ["head", "supervisor"]
    inlines = [DepartmentPowerItemInline]

    @admin.display(description="岗位")
    def posts_link(self, obj: Department) -> str:
        return _changelist_link("post", "查看岗位", department__id__exact=obj.pk)

    @admin.display(description="人员")
    def people_link(self, obj: Department) -> str:
        return _changelist_link("person", "查看人员", department__id__exact=obj.pk)


@admin.register(Post)
class PostAdmin(OrgAdmin):
    list_display = ["name", "unit", "department", "tier", "is_key", "active"]
    list_filter = ["unit", "tier", "is_key", "active", "department"]
    search_fields = ["name", "duties", "department__name", "unit__name"]
    list_select_related = ["unit", "department"]
    inlines = [PostPowerItemInline]


@admin.register(PowerItem)
class PowerItemAdmin(OrgAdmin):
    list_display = ["name", "post", "department", "responsible_body"]
    search_fields = ["name", "content", "legal_basis"]
    list_select_related = ["post__department", "department"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        unit_ids = roles.managed_unit_ids(request.user)
        if unit_ids is None:
            return qs
        return qs.filter(Q(post__unit_id__in=unit_ids) | Q(department__unit_id__in=unit_ids))


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    fields = ["role", "unit", "include_subunits", "note", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(Person)
class PersonAdmin(OrgAdmin):
    change_list_template = "admin/units/person/change_list.html"
    actions = ["send_password_set_email"]
    list_display = [
        "employee_no",
        "name",
        "unit",
        "department",
        "post",
        "job_title",
        "phone",
        "active",
        "username",
    ]
    list_display_links = ["employee_no", "name"]
    list_filter = ["unit", "active", "post__tier", "post__is_key", "department"]
    search_fields = ["name", "employee_no", "phone", "email", "user__username", "job_title"]
    list_select_related = ["unit", "department", "post", "user"]
    autocomplete_fields = ["concurrent_posts"]
    inlines = [RoleGrantInline]

    def get_fields(self, request, obj=None):
        fields = [
            "unit",
            "employee_no",
            "name",
            "department",
            "post",
            "concurrent_posts",
            "job_title",
            "phone",
            "email",
            "active",
        ]
        return fields if obj is None else ["user", *fields]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    @admin.display(description="登录名", ordering="user__username")
    def username(self, obj: Person) -> str:
        return obj.user.username

    def save_model(self, request, obj: Person, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            if obj.user.is_active != obj.active:
                services.person_set_active(person=obj, active=obj.active)
            return
        created = services.person_create(
            unit=obj.unit,
            employee_no=obj.employee_no,
            name=obj.name,
            department=obj.department,
            post=obj.post,
            job_title=obj.job_title,
            phone=obj.phone,
            email=obj.email,
            active=obj.active,
        )
        obj.pk = created.pk
        obj.user = created.user

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, RoleGrant) and instance.granted_by_id is None:
                instance.granted_by = request.user
            instance.save()
        # Audit: role grants given, changed or revoked here (before deletions lose their ids).
        record_inline_role_grants(request=request, formset=formset)
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    def has_delete_permission(self, request, obj=None):
        # People are deactivated (在岗 = 否), never deleted: their history must stay attributable.
        return False

    @admin.action(description="发送设置密码邮件")
    def send_password_set_email(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        sent, without_email, inactive = [], [], []
        base_url = request.build_absolute_uri("/")
        for person in queryset.select_related("user"):
            if not (person.active and person.user.is_active):
                inactive.append(person.name)
            elif not person.email:
                without_email.append(person.name)
            else:
                services.password_set_email_send(person=person, base_url=base_url)
                sent.append(person.name)
        if sent:
            self.message_user(request, f"已向 {len(sent)} 人发送设置密码邮件。", messages.SUCCESS)
        if without_email:
            self.message_user(
                request,
                f"以下人员没有登记邮箱，未发送：{'、'.join(without_email)}。",
                messages.WARNING,
            )
        if inactive:
            self.message_user(
                request, f"以下人员已停用，未发送：{'、'.join(inactive)}。", messages.WARNING
            )

    # --- Roster import and export (SPEC section 7) ---------------------------------------

    def get_urls(self):
        own = [
            path(
                "roster/import/",
                self.admin_site.admin_view(self.roster_import_view),
                name="units_person_roster_import",
            ),
            path(
                "roster/export/<int:unit_id>/",
                self.admin_site.admin_view(self.roster_export_view),
                name="units_person_roster_export",
            ),
        ]
        return own + super().get_urls()

    def roster_import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → preview (a dry run: who is added, changed, unchanged; every row's errors)
        → confirm (the same file imported for real)."""
        if not self._allowed(request):
            raise PermissionDenied
        units = selectors.units_managed_by(request.user)
        if request.method == "POST" and "confirm" in request.POST:
            return self._roster_confirm(request, units)
        form = RosterImportForm(request.POST or None, request.FILES or None, units=units)
        result = token = None
        if request.method == "POST" and not form.is_valid() and "file" in form.errors:
            # Refused by the upload check (size, type sniffed from the content): nothing is
            # written but the attempt is audited like any failed import.
            upload = request.FILES.get("file")
            audit_record(
                request=request,
                action=AuditAction.ROSTER_IMPORT,
                obj=form.cleaned_data.get("unit"),
                outcome=AuditOutcome.FAILURE,
                details={
                    "file_name": upload.name[-255:] if upload else "",
                    "source": RosterImport.Source.ADMIN.value,
                    "error": " ".join(form.errors["file"]),
                },
            )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                result = services.roster_import(
                    unit=form.cleaned_data["unit"],
                    content=content,
                    file_name=upload.name,
                    dry_run=True,
                    deactivate_missing=form.cleaned_data["deactivate_missing"],
                    imported_by=request.user,
                    client_address=client_address(request),
                )
            except RosterFileError as exc:
                form.add_error("file", str(exc))
            else:
                if result.ok:
                    token = _roster_stash(
                        request=request,
                        content=content,
                        file_name=upload.name,
                        unit=form.cleaned_data["unit"],
                        deactivate_missing=form.cleaned_data["deactivate_missing"],
                    )
        return self._roster_page(request, form=form, units=units, result=result, token=token)

    def _roster_page(self, request, *, form, units, result, token) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入人员名册",
            "form": form,
            "units": units,
            "required_headers": "、".join(c.header for c in COLUMNS if c.required),
            "optional_headers": "、".join(c.header for c in COLUMNS if not c.required),
            "result": result,
            "token": token,
        }
        if result is not None:
            rows = result.plan.rows
            context["shown_rows"] = [r for r in rows if r.action != "unchanged"]
        return TemplateResponse(request, "admin/units/person/roster_import.html", context)

    def _roster_confirm(self, request: HttpRequest, units: QuerySet[Unit]) -> HttpResponse:
        import_url = reverse("admin:units_person_roster_import")
        try:
            stash = signing.loads(
                request.POST.get("token", ""),
                salt=_ROSTER_SALT,
                max_age=ROSTER_UPLOAD_MAX_AGE,
            )
        except signing.BadSignature:
            self.message_user(request, "预览已失效，请重新上传名册文件。", messages.ERROR)
            return HttpResponseRedirect(import_url)
        unit = units.filter(pk=stash["unit"]).first()
        if stash["user"] != request.user.pk or unit is None:
            raise PermissionDenied
        try:
            with default_storage.open(stash["path"], "rb") as stored:
                content = stored.read()
        except FileNotFoundError:
            self.message_user(request, "预览已失效，请重新上传名册文件。", messages.ERROR)
            return HttpResponseRedirect(import_url)
        try:
            result = services.roster_import(
                unit=unit,
                content=content,
                file_name=stash["name"],
                dry_run=False,
                deactivate_missing=stash["deactivate_missing"],
                imported_by=request.user,
                client_address=client_address(request),
            )
        except RosterFileError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(import_url)
        if not result.ok:
            # The org chart changed since the preview: show what is wrong now.
            form = RosterImportForm(units=units, initial={"unit": unit.pk})
            return self._roster_page(request, form=form, units=units, result=result, token=None)
        default_storage.delete(stash["path"])
        self.message_user(
            request, f"{unit.name}人员名册已导入：{result.summary}。", messages.SUCCESS
        )
        changelist = reverse("admin:units_person_changelist")
        return HttpResponseRedirect(f"{changelist}?unit__id__exact={unit.pk}")

    def roster_export_view(self, request: HttpRequest, unit_id: int) -> HttpResponse:
        if not self._allowed(request):
            raise PermissionDenied
        unit = get_object_or_404(selectors.units_managed_by(request.user), pk=unit_id)
        people = selectors.roster_people(unit=unit)
        content = roster_export_xlsx(people)
        file_name = f"{unit.code}-人员名册-{timezone.localdate():%Y%m%d}.xlsx"
        audit_record(
            request=request,
            action=AuditAction.EXPORT,
            obj=unit,
            details={"report": "roster", "format": "xlsx", "file_name": file_name},
        )
        return HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": content_disposition_header(True, file_name)},
        )


def _roster_stash(
    *, request: HttpRequest, content: bytes, file_name: str, unit: Unit, deactivate_missing: bool
) -> str:
    """Keep the previewed file until it is confirmed; return a signed ticket for it. The
    ticket names the user and unit, so it cannot be replayed by anyone else or elsewhere."""
    _roster_stash_cleanup()
    stored = default_storage.save(
        f"{ROSTER_UPLOAD_DIR}/{uuid.uuid4().hex}.upload", ContentFile(content)
    )
    return signing.dumps(
        {
            "path": stored,
            "name": file_name,
            "unit": unit.pk,
            "user": request.user.pk,
            "deactivate_missing": deactivate_missing,
        },
        salt=_ROSTER_SALT,
    )


def _roster_stash_cleanup() -> None:
    """Forget previews that were never confirmed."""
    try:
        _dirs, files = default_storage.listdir(ROSTER_UPLOAD_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - ROSTER_UPLOAD_MAX_AGE
    for name in files:
        stored = f"{ROSTER_UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(stored) < cutoff:
                default_storage.delete(stored)
        except (FileNotFoundError, NotImplementedError):
            continue


@admin.register(RosterImport)
class RosterImportAdmin(OrgAdmin):
    """The record of every roster import and preview: read-only, kept for the audit log."""

    list_display = [
        "imported_at",
        "unit",
        "file_name",
        "operator",
        "source",
        "dry_run",
        "created",
        "updated",
        "unchanged",
        "deactivated",
    ]
    list_filter = ["unit", "dry_run", "source"]
    search_fields = ["file_name", "imported_by__username", "os_user"]
    list_select_related = ["unit", "imported_by__person"]
    date_hierarchy = "imported_at"

    @admin.display(description="操作人", ordering="imported_by__username")
    def operator(self, obj: RosterImport) -> str:
        if obj.imported_by_id:
            person = getattr(obj.imported_by, "person", None)
            return (
                f"{person.name}（{obj.imported_by.username}）"
                if person
                else obj.imported_by.username
            )
        return f"命令行：{obj.os_user}" if obj.os_user else "命令行"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RoleGrant)
class RoleGrantAdmin(OrgAdmin):
    list_display = ["person", "role", "unit", "include_subunits", "granted_by", "granted_at"]
    list_filter = ["role", "unit", "include_subunits"]
    search_fields = ["person__name", "person__employee_no", "unit__name"]
    list_select_related = ["person", "unit", "granted_by"]
    autocomplete_fields = ["person"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj: RoleGrant, form, change: bool) -> None:
        if obj.granted_by_id is None:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Login accounts; system admins see the accounts of the people of their units."""

    list_display = ["username", "person_name", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "person__name", "person__employee_no"]
    list_select_related = ["person"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("状态", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj: User) -> str:
        person = getattr(obj, "person", None)
        return person.name if person else "—"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        unit_ids = roles.managed_unit_ids(request.user)
        return qs if unit_ids is None else qs.filter(person__unit_id__in=unit_ids)

    def has_module_permission(self, request):
        return roles.may_manage_org(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.may_manage_org(request.user) and (
            obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        # Accounts are created with their Person (admin or roster import), never bare.
        return False

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their history must stay attributable.
        return False
