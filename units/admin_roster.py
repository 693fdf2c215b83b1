"""The admin's roster pages (SPEC section 7): upload → preview → confirm, and the export.

Kept apart from units/admin.py (the org chart's ModelAdmins): `RosterAdminMixin` gives the
人员 admin its two extra URLs. The preview is a dry run of `units.services.roster_import`; it
lists first the departments and posts the file would create, then the bad rows, the warnings
(a newcomer named like an active colleague) and the rows that change. A warning is accepted, and
a new department or post confirmed, one box at a time; the confirmation imports the same stored
file for real, and writes nothing while any box is left unticked.
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from audit.enums import AuditAction, AuditOutcome
from audit.net import client_address
from audit.services import audit_record
from units import selectors, services
from units.forms import RosterImportForm
from units.models import RosterImport, Unit
from units.resources import roster_export_xlsx
from units.roster import COLUMNS, RosterFileError, RosterImportResult

# Uploaded rosters wait here between the preview and the confirmation.
ROSTER_UPLOAD_DIR = "roster_imports"
ROSTER_UPLOAD_MAX_AGE = timedelta(hours=2)
_ROSTER_SALT = "units.roster-import"


class RosterAdminMixin:
    """Roster import and export pages of the 人员 admin (needs `_allowed(request)`)."""

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
        """Upload → preview (a dry run: what is created, added, changed; every row's errors and
        warnings) → confirm (the same file imported for real)."""
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
            options = {
                "deactivate_missing": form.cleaned_data["deactivate_missing"],
                "blank_clears": form.cleaned_data["blank_clears"],
            }
            try:
                result = services.roster_import(
                    unit=form.cleaned_data["unit"],
                    content=content,
                    file_name=upload.name,
                    dry_run=True,
                    imported_by=request.user,
                    client_address=client_address(request),
                    **options,
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
                        options=options,
                    )
        return self._roster_page(request, form=form, units=units, result=result, token=token)

    def _roster_page(
        self,
        request,
        *,
        form,
        units,
        result: RosterImportResult | None,
        token,
        accepted: set[int] | None = None,
        confirmed: set[str] | None = None,
    ) -> HttpResponse:
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
            "accepted": accepted or set(),
            "confirmed": confirmed or set(),
        }
        if result is not None:
            context["shown_rows"] = [
                r for r in result.plan.rows if r.action != "unchanged" or r.match_note
            ]
        return TemplateResponse(request, "admin/units/person/roster_import.html", context)

    def _roster_confirm(self, request: HttpRequest, units: QuerySet[Unit]) -> HttpResponse:
        import_url = reverse("admin:units_person_roster_import")
        token = request.POST.get("token", "")
        try:
            stash = signing.loads(token, salt=_ROSTER_SALT, max_age=ROSTER_UPLOAD_MAX_AGE)
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
        accepted = {int(v) for v in request.POST.getlist("accept_row") if v.isdigit()}
        confirmed = set(request.POST.getlist("create_item"))
        try:
            result = services.roster_import(
                unit=unit,
                content=content,
                file_name=stash["name"],
                dry_run=False,
                accept_warnings=accepted,
                confirm_org=confirmed,
                imported_by=request.user,
                client_address=client_address(request),
                **stash["options"],
            )
        except RosterFileError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(import_url)
        form = RosterImportForm(units=units, initial={"unit": unit.pk})
        if not result.ok:
            # The org chart changed since the preview: show what is wrong now.
            return self._roster_page(request, form=form, units=units, result=result, token=None)
        if result.needs_confirmation:
            self.message_user(
                request,
                "未导入：请逐项勾选确认下列提醒和将新建的部室、岗位，或修改文件后重新上传。",
                messages.ERROR,
            )
            return self._roster_page(
                request,
                form=form,
                units=units,
                result=result,
                token=token,
                accepted=accepted,
                confirmed=confirmed,
            )
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
    *, request: HttpRequest, content: bytes, file_name: str, unit: Unit, options: dict
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
            "options": options,
        },
        salt=_ROSTER_SALT,
    )


def _roster_stash_cleanup() -> None:
    """Forget previews that were never confirmed."""
    try:
        _dirs, files = default_storage.listdir(ROSTER_UPLOAD_DIR)
    except FileNotFoundError:
        return
    # Real time, not the training clock: this is about files on disk.
    cutoff = timezone.now() - ROSTER_UPLOAD_MAX_AGE
    for name in files:
        stored = f"{ROSTER_UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(stored) < cutoff:
                default_storage.delete(stored)
        except (FileNotFoundError, NotImplementedError):
            continue
