"""Pages of the power list. Thin: access from powers.access (no access → 404, read-only →
403), reads from powers.selectors, writes through powers.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from access.rules import can_view_form
from audit.enums import AuditAction
from audit.services import audit_record
from powers import access, charts, reports, selectors, services
from powers.enums import PowerState
from powers.forms import ItemForm, StepForm
from powers.models import PowerItem, PowerStep
from risks.models import RiskForm, RiskPoint
from units.models import Department, Post


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _owners(request: HttpRequest, unit) -> list[tuple[str, str]]:
    choices = [
        (f"d{d.pk}", f"{d.name}（部室）") for d in access.departments_draftable(request.user, unit)
    ]
    choices += [
        (f"p{p.pk}", str(p))
        for p in access.posts_draftable(request.user, unit).select_related("department")
    ]
    return choices


def _owner_from(value: str, unit) -> tuple[Department | None, Post | None]:
    pk = _int(value[1:])
    if value.startswith("d"):
        return get_object_or_404(Department, pk=pk, unit=unit), None
    return None, get_object_or_404(Post, pk=pk, unit=unit)


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("您可以查看该职权事项，但无权修改。")


# --- the catalogue -------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.catalogue_unit(user=request.user, code=code)
    department_id = _int(request.GET.get("department"))
    post_id = _int(request.GET.get("post"))
    items = list(
        selectors.catalogue_items(
            user=request.user, unit=unit, department_id=department_id, post_id=post_id
        )
    )
    editable_ids = set(
        access.items_editable_by(request.user)
        .filter(pk__in=[i.pk for i in items])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "powers/catalogue.html",
        {
            "unit": unit,
            "items": items,
            "editable_ids": editable_ids,
            "departments": unit.departments.all(),
            "department_id": department_id,
            "post_id": post_id,
            "can_add": access.can_add_in(request.user, unit),
            "headers": reports.CATALOGUE_HEADERS,
            "query": request.GET.urlencode(),
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def catalogue_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    unit = selectors.catalogue_unit(user=request.user, code=code)
    department_id = _int(request.GET.get("department"))
    post_id = _int(request.GET.get("post"))
    items = list(
        selectors.catalogue_items(
            user=request.user, unit=unit, department_id=department_id, post_id=post_id
        )
    )
    scope = reports.scope_title(unit=unit, department_id=department_id, post_id=post_id)
    data = reports.catalogue_bytes(unit=unit, items=items, scope=scope, fmt=fmt)
    audit_record(
        request=request,
        action=AuditAction.EXPORT,
        obj=unit,
        details={"report": "powers", "format": fmt},
    )
    return reports.download(data, reports.catalogue_filename(unit, scope, fmt), fmt)


@login_required
def flowcharts_pdf(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.catalogue_unit(user=request.user, code=code)
    items = list(selectors.catalogue_items(user=request.user, unit=unit).exclude(status="abolish"))
    data = reports.flowcharts_pdf(user=request.user, unit=unit, items=items)
    audit_record(
        request=request, action=AuditAction.EXPORT, obj=unit, details={"report": "flowcharts"}
    )
    return reports.download(data, f"{unit.name}-权力运行流程图.pdf", "pdf")


@login_required
def network(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.catalogue_unit(user=request.user, code=code)
    departments = selectors.network(user=request.user, unit=unit)
    svg = charts.network_chart(unit.name, departments) if departments else ""
    return render(
        request,
        "powers/network.html",
        {"unit": unit, "svg": mark_safe(svg), "legend": _legend(unit)},
    )


def _legend(unit) -> list[tuple[str, str, str]]:
    return [(unit.level_label(level), *charts.LEVEL_COLOURS[level]) for level in (1, 2, 3)] + [
        ("未定级", *charts.LEVEL_COLOURS[None])
    ]


# --- one item ------------------------------------------------------------------------------


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(user=request.user, pk=pk)
    return _render_item(request, item, step_form=None)


def _render_item(
    request: HttpRequest, item: PowerItem, *, step_form: StepForm | None
) -> HttpResponse:
    steps = selectors.item_steps(item)
    points = selectors.chart_points(user=request.user, items=[item]).get(item.pk, [])
    can_edit = access.can_edit_item(request.user, item)
    context = {
        "item": item,
        "steps": steps,
        "points": points,
        "can_edit": can_edit,
        "can_confirm": access.can_confirm_item(request.user, item)
        and item.state == PowerState.DRAFT,
        "changes": selectors.item_changes(item),
        "internal_svg": mark_safe(charts.internal_chart(item, steps, points)) if steps else "",
        "external_svg": mark_safe(charts.external_chart(item, steps)) if steps else "",
        "legend": _legend(item.unit),
    }
    if can_edit:
        context["step_form"] = step_form or StepForm(item=item, prefix="step")
    return render(request, "powers/item_detail.html", context, status=400 if step_form else 200)


@login_required
def item_add(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.catalogue_unit(user=request.user, code=code)
    owners = _owners(request, unit)
    if not owners:
        raise PermissionDenied("只有部室负责人和廉防办可以起草职权事项。")
    kinds = selectors.kinds_for_unit(unit)
    form = ItemForm(request.POST or None, owners=owners, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        department, post = _owner_from(form.cleaned_data["owner"], unit)
        try:
            item = services.item_create(
                by=request.user, unit=unit, department=department, post=post, data=form.item_input()
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, f"已起草职权事项“{item.name}”，请添加办理环节，再提交廉防办确权。"
            )
            return redirect("powers:item_detail", item.pk)
    return render(request, "powers/item_form.html", {"unit": unit, "form": form, "item": None})


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(user=request.user, pk=pk)
    if not access.can_edit_item(request.user, item):
        return _forbidden(request)
    owners = (
        [(f"p{item.post_id}", str(item.post))]
        if item.post_id
        else [(f"d{item.department_id}", f"{item.department.name}（部室）")]
    )
    form = ItemForm(
        request.POST or None,
        initial=ItemForm.initial_for(item),
        owners=owners,
        kinds=selectors.kinds_for_unit(item.unit),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(by=request.user, item=item, data=form.item_input())
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "已保存。修改后的事项需要廉防办重新确权。")
            return redirect("powers:item_detail", item.pk)
    return render(request, "powers/item_form.html", {"unit": item.unit, "form": form, "item": item})


@login_required
@require_POST
def item_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(user=request.user, pk=pk)
    if not access.can_confirm_item(request.user, item):
        return _forbidden(request)
    try:
        services.item_confirm(by=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已确权：“{item.name}”。")
    return redirect("powers:item_detail", item.pk)


# --- steps ---------------------------------------------------------------------------------


def _step_of(request: HttpRequest, pk: int, step_pk: int) -> tuple[PowerItem, PowerStep]:
    item = selectors.item_for_user(user=request.user, pk=pk)
    step = get_object_or_404(PowerStep.objects.select_related("branch_of"), pk=step_pk, item=item)
    if not access.can_edit_item(request.user, item):
        _forbidden(request)
    return item, step


@login_required
@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(user=request.user, pk=pk)
    if not access.can_edit_item(request.user, item):
        return _forbidden(request)
    form = StepForm(request.POST, item=item, prefix="step")
    if form.is_valid():
        try:
            step = services.step_add(by=request.user, item=item, data=form.step_input())
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已添加环节“{step.name}”。")
            return redirect(reverse("powers:item_detail", args=[item.pk]) + "#steps")
    messages.error(request, "环节未保存，请按提示修改。")
    return _render_item(request, item, step_form=form)


@login_required
def step_edit(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    item, step = _step_of(request, pk, step_pk)
    form = StepForm(request.POST or None, initial=StepForm.initial_for(step), item=item, step=step)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_update(by=request.user, step=step, data=form.step_input())
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已保存环节“{step.name}”。")
            return redirect(reverse("powers:item_detail", args=[item.pk]) + "#steps")
    return render(request, "powers/step_form.html", {"item": item, "step": step, "form": form})


@login_required
@require_POST
def step_move(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    item, step = _step_of(request, pk, step_pk)
    try:
        services.step_move(by=request.user, step=step, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(reverse("powers:item_detail", args=[item.pk]) + "#steps")


@login_required
@require_POST
def step_delete(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    item, step = _step_of(request, pk, step_pk)
    services.step_delete(by=request.user, step=step)
    messages.success(request, f"已删除环节“{step.name}”。")
    return redirect(reverse("powers:item_detail", args=[item.pk]) + "#steps")


# --- tying a risk point to a step (from the form page) -------------------------------------


@login_required
@require_POST
def point_tie(request: HttpRequest, form_pk: int, point_pk: int) -> HttpResponse:
    form = get_object_or_404(RiskForm.objects.select_related("unit", "post"), pk=form_pk)
    if not can_view_form(request.user, form):
        raise Http404("没有找到该一览表。")
    point = get_object_or_404(RiskPoint, pk=point_pk, form=form)
    step_pk = _int(request.POST.get("step"))
    step = PowerStep.objects.select_related("item").filter(pk=step_pk).first() if step_pk else None
    if step_pk and step is None:
        raise Http404("没有找到该环节。")
    if not access.can_tie_point(request.user, form, step):
        return _forbidden(request)
    services.point_tie(by=request.user, point=point, step=step)
    if step:
        messages.success(request, f"风险点已关联到“{step.item.name}”的环节“{step.name}”。")
    else:
        messages.success(request, "已取消该风险点与环节的关联。")
    return redirect(reverse("risks:form_detail", args=[form.pk]) + f"#point-{point.pk}")
