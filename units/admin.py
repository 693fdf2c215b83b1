"""Admin of the org chart for system admins, scoped to the units they manage."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from access import rules as access
from audit import duties, mfa
from audit.admin_logging import record_inline_role_grants
from audit.enums import AuditAction
from audit.services import audit_record
from units import services
from units.admin_roster import RosterAdminMixin
from units.models import Department, Person, Post, RoleGrant, RosterImport, Unit


class OrgAdmin(admin.ModelAdmin):
    """Base admin: only system admins, and only over the units their grant covers."""

    # The lookup from this model to its Unit's id, for scoping.
    unit_lookup = "unit_id"
    list_per_page = 50

    def _allowed(self, request: HttpRequest) -> bool:
        return access.may_manage_org(request.user)

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
        unit_ids = access.managed_unit_ids(request.user)
        return unit_ids is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        unit_ids = access.managed_unit_ids(request.user)
        if unit_ids is None:
            return qs
        return qs.filter(**{f"{self.unit_lookup}__in": unit_ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        unit_ids = access.managed_unit_ids(request.user)
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


@admin.register(Department)
class DepartmentAdmin(OrgAdmin):
    list_display = ["name", "unit", "code", "head", "supervisor", "posts_link", "people_link"]
    list_filter = ["unit"]
    search_fields = ["name", "code", "unit__name", "head__name", "supervisor__name"]
    list_select_related = ["unit", "head", "supervisor"]
    autocomplete_fields = ["head", "supervisor"]

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


class SeparatedGrantForm(forms.ModelForm):
    """A role grant the admin may give: never to oneself, never 安全审计员 or 纪检监督, never to
    someone holding those (三员分立, audit/duties.py); those go through 双人审批."""

    acting_user = None  # set per request by the admin

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person") or getattr(self.instance, "person", None)
        role = cleaned.get("role") or self.instance.role
        checks = [role]
        if self.instance.pk and self.instance.role != role:
            checks.append(self.instance.role)  # changing a grant also takes the old role away
        for checked in checks:
            refusal = duties.grant_refusal(user=self.acting_user, person=person, role=checked)
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned


def _grant_form_for(request: HttpRequest, form_class=SeparatedGrantForm):
    return type("RequestGrantForm", (form_class,), {"acting_user": request.user})


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    form = SeparatedGrantForm
    extra = 0
    fields = ["role", "unit", "include_subunits", "note", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = _grant_form_for(request)
        formset = super().get_formset(request, obj, **kwargs)
        acting_user, person = request.user, obj

        class SeparatedFormSet(formset):
            def clean(self):
                super().clean()
                for form in self.deleted_forms:
                    refusal = duties.grant_refusal(
                        user=acting_user, person=person, role=form.instance.role
                    )
                    if form.instance.pk and refusal:
                        raise forms.ValidationError(refusal)

        return SeparatedFormSet


class KeysFirstPaginator(Paginator):
    """The admin's paginator for long lists ordered across joins (the person list: unit path,
    department, post, employee number). A page's rows are chosen by a subquery of narrow rows —
    their keys, only the joins the ordering needs — and only those rows are read whole, with
    their list_select_related. Pages in the second half choose their keys in the reverse order
    from the end, so the last page is a top-N like the first instead of an OFFSET past every
    row: the last of 1,001 pages of 50,000 people sorted all of them as wide joined rows (on
    disk) and took half a second. Same rows in the same order, in one query as before."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        keys = rows.values("pk")
        if rows.ordered and bottom > self.count - top:
            keys = keys.reverse()[self.count - top : self.count - bottom]
        else:
            keys = keys[bottom:top]
        return self._get_page(rows.filter(pk__in=keys), number, self)


@admin.register(Person)
class PersonAdmin(RosterAdminMixin, OrgAdmin):
    change_list_template = "admin/units/person/change_list.html"
    paginator = KeysFirstPaginator
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
    list_select_related = ["unit", "department", "post__department", "user"]  # Post.__str__
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

    def has_change_permission(self, request, obj=None) -> bool:
        # 三员分立: the record of an audit admin or inspector is not the system admin's to change.
        return super().has_change_permission(request, obj) and duties.may_change_person(
            request.user, obj
        )

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
        sent, without_email, inactive, protected = [], [], [], []
        base_url = request.build_absolute_uri("/")
        for person in queryset.select_related("user"):
            if not duties.may_change_person(request.user, person):
                protected.append(person.name)  # their recovery is 双人审批's
            elif not (person.active and person.user.is_active):
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
        if protected:
            self.message_user(
                request,
                f"以下人员担任安全审计员或纪检监督，须通过“双人审批”重置密码，未发送："
                f"{'、'.join(protected)}。",
                messages.ERROR,
            )


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

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = _grant_form_for(request)
        return super().get_form(request, obj, change=change, **kwargs)

    def _separated(self, request, obj) -> bool:
        """Grants of 安全审计员 or 纪检监督, one's own, and any of someone holding those are
        read-only here (audit/duties.py); 双人审批 changes them."""
        return obj is None or not duties.grant_refusal(
            user=request.user, person=obj.person, role=obj.role
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._separated(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._separated(request, obj)

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
    actions = ["reset_second_factor"]

    @admin.display(description="姓名", ordering="person__name")
    def person_name(self, obj: User) -> str:
        person = getattr(obj, "person", None)
        return person.name if person else "—"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        unit_ids = access.managed_unit_ids(request.user)
        return qs if unit_ids is None else qs.filter(person__unit_id__in=unit_ids)

    def has_module_permission(self, request):
        return access.may_manage_org(request.user)

    def has_view_permission(self, request, obj=None):
        return access.may_manage_org(request.user) and (
            obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def has_change_permission(self, request, obj=None):
        # 三员分立: no login or password change of an audit admin or inspector (双人审批).
        return self.has_view_permission(request, obj) and (
            obj is None or duties.may_change_account(request.user, obj)
        )

    @admin.action(description="重置动态口令（下次登录重新绑定）")
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done, refused = [], []
        for account in queryset:
            if account == request.user or not duties.may_change_account(request.user, account):
                refused.append(account.username)
                continue
            mfa.devices_remove(user=account)
            audit_record(
                request=request,
                action=AuditAction.MFA_ENROL,
                obj=account,
                details={"reset": True},
            )
            done.append(account.username)
        if done:
            self.message_user(request, f"已重置 {len(done)} 个账号的动态口令。", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                "以下账号须通过“双人审批”重置（安全审计员、纪检监督或本人）：" + "、".join(refused),
                messages.ERROR,
            )

    def has_add_permission(self, request):
        # Accounts are created with their Person (admin or roster import), never bare.
        return False

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their history must stay attributable.
        return False
