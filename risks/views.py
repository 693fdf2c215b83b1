"""Pages of the risk register: the filling page of a form (一览表), the lists, the rounds.

Views stay thin: reads through risks.selectors, writes through risks.services, every decision
on access through access.rules. Not readable → 404; readable but not editable → 403.
Every edit is a plain POST that redirects back (works without JavaScript); a save based on an
older revision gets the conflict page (HTTP 409) instead of overwriting anything.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from access import rules as access
from riskreg import clock
from risks import selectors, services
from risks.enums import LEVEL_MATRIX, Harm, Likelihood, RiskCategory
from risks.forms import (
    FormListFilter,
    OverallLevelForm,
    PointForm,
    ReassignFillerForm,
    RoundEditForm,
    RoundFormsFilter,
    RoundOpenForm,
)
from risks.models import RiskForm, RiskPoint, Round
from risks.services import PointInput, StaleRevision
from workflow import history
from workflow import selectors as workflow_selectors
from workflow.enums import FormState

NEW_PREFIX = "new"
EDIT_PREFIX = "edit"


# --- helpers --------------------------------------------------------------------------------


def _detail_url(form: RiskForm, *, anchor: str = "", **params) -> str:
    url = reverse("risks:form_detail", args=[form.pk])
    if params:
        url += "?" + urlencode(params)
    return url + (f"#{anchor}" if anchor else "")


def _editable_form(request: HttpRequest, pk: int) -> RiskForm:
    """The form if the user may edit it: 404 when they may not even read it, 403 otherwise."""
    form = selectors.form_for_user(request.user, pk)
    if not access.can_edit_form(request.user, form):
        raise PermissionDenied("您可以查看这张一览表，但不能修改它。")
    return form


def _based_on(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        # No revision, no proof of what the user saw: treat it as stale, never overwrite.
        return -1


def _find_point(form: RiskForm, point_pk: int) -> RiskPoint | None:
    return next((p for p in form.points.all() if p.pk == point_pk), None)


# A point save that failed is kept in the session and shown again on the form page (never on a
# sub-URL), with its errors, until it is saved or the user drops it: nothing typed is lost, and
# 提交 is refused while it is pending (workflow.views.form_act asks `pending_edit_label`).
PENDING_KEY = "risks.pending_edits"


def _pending_store(
    request: HttpRequest, form: RiskForm, slot: str, point_form: PointForm, errors: dict
) -> None:
    pending = request.session.get(PENDING_KEY, {})
    pending[str(form.pk)] = {
        "slot": slot,
        "point": point_form.instance.pk,
        "data": {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"},
        "errors": errors,
    }
    request.session[PENDING_KEY] = pending


def _pending_clear(request: HttpRequest, form: RiskForm) -> None:
    pending = request.session.get(PENDING_KEY, {})
    if pending.pop(str(form.pk), None) is not None:
        request.session[PENDING_KEY] = pending


def _pending_get(request: HttpRequest, form: RiskForm) -> dict | None:
    return request.session.get(PENDING_KEY, {}).get(str(form.pk))


def pending_edit_label(request: HttpRequest, form: RiskForm) -> str:
    """'第 2 个风险点' / '新增风险点' when a failed save of this form waits, else ''."""
    pending = _pending_get(request, form)
    if not pending:
        return ""
    if pending["slot"] == "add_form":
        return "新增风险点"
    ids = [p.pk for p in form.points.all()]
    if pending["point"] in ids:
        return f"第 {ids.index(pending['point']) + 1} 个风险点"
    return "风险点"


def _pending_form(request: HttpRequest, form: RiskForm) -> tuple[str, PointForm] | None:
    pending = _pending_get(request, form)
    if not pending:
        return None
    data = QueryDict(mutable=True)
    for key, values in pending["data"].items():
        data.setlist(key, values)
    if pending["slot"] == "edit_form":
        point = _find_point(form, pending["point"] or 0)
        if point is None:
            return None
        point_form = PointForm(data, instance=point, risk_form=form, prefix=EDIT_PREFIX)
    else:
        point_form = PointForm(data, risk_form=form, prefix=NEW_PREFIX)
    point_form.is_valid()
    for field, errors in pending["errors"].items():
        # The form's own checks ran again; add only what came from the service.
        name = field if field in point_form.fields else None
        shown = point_form.errors.get(name or "__all__", [])
        new = [e for e in errors if e not in shown]
        if new and (name is None or name in point_form.cleaned_data):
            point_form.add_error(name, new)
    # Focus goes to the first field with an error (also without script).
    first = next((name for name in point_form.fields if name in point_form.errors), None)
    if first is not None:
        point_form.fields[first].widget.attrs["autofocus"] = True
    return pending["slot"], point_form


def _level_matrix(form: RiskForm) -> list[dict]:
    unit = form.unit
    return [
        {
            "likelihood": Likelihood(likelihood).label,
            "cells": [
                {"level": level, "label": unit.level_label(level)}
                for _harm, level in sorted(row.items())
            ],
        }
        for likelihood, row in sorted(LEVEL_MATRIX.items())
    ]


# Lists a form page is opened from, by path prefix (most specific first): the way back.
BACK_LINKS = (
    ("/forms/mine/", "我的一览表"),
    ("/workflow/review/", "部室审核"),
    ("/workflow/sign/", "待签字"),
    ("/workflow/rating/", "群众评议"),
    ("/workflow/collective/", "集体审定"),
    ("/workflow/notice/", "公示"),
    ("/workflow/filed/", "已备案"),
    ("/workflow/objections/mine/", "我提出的异议"),
    ("/workflow/objections/", "异议"),
    ("/workflow/notifications/", "通知"),
    ("/workflow/board/", "进度看板"),
    ("/rounds/", "排查轮次"),
    ("/reports/", "报表"),
    ("/forms/", "一览表查阅"),
)


def _came_from(request: HttpRequest, form: RiskForm) -> dict:
    """The list page the user opened this form from (the Referer, remembered per form in the
    session so that saves and reloads keep it). Empty when unknown."""
    from urllib.parse import urlsplit

    key = f"risks.back.{form.pk}"
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc == request.get_host() and referer.path != request.path:
        for prefix, label in BACK_LINKS:
            if referer.path.startswith(prefix) and not (
                prefix == "/forms/" and referer.path.split("/")[2].isdigit()
            ):
                url = referer.path + (f"?{referer.query}" if referer.query else "")
                request.session[key] = {"crumb_url": url, "crumb_label": label}
                break
    return request.session.get(key, {})


def _breadcrumb(request: HttpRequest, form: RiskForm) -> dict:
    """The list the reader came from, else the one they most likely came from: their own
    forms, the browsing list, or the published register (a colleague reading during 公示)."""
    came_from = _came_from(request, form)
    if came_from:
        return came_from
    if form.filler is not None and form.filler.user_id == request.user.pk:
        return {"crumb_url": reverse("risks:my_forms"), "crumb_label": "我的一览表"}
    if access.may_browse_forms(request.user):
        return {"crumb_url": reverse("risks:form_list"), "crumb_label": "一览表查阅"}
    if form.state == FormState.PUBLIC_NOTICE:
        return {"crumb_url": reverse("workflow:notice_register"), "crumb_label": "公示"}
    return {}


def _detail_context(
    request: HttpRequest,
    form: RiskForm,
    *,
    add_form: PointForm | None = None,
    edit_form: PointForm | None = None,
    overall_form: OverallLevelForm | None = None,
) -> dict:
    editable = access.can_edit_form(request.user, form)
    context: dict = {
        "form": form,
        "editable": editable,
        **_breadcrumb(request, form),
        "points": list(form.points.all()),
        "missing": form.missing_items(),
        "matrix": _level_matrix(form),
        "harm_labels": [label for _value, label in Harm.choices],
        "can_reassign": access.can_reassign_filler(request.user, form),
        # The approval chain's panel below the form (templates/workflow/_form_actions.html).
        "actions": workflow_selectors.available_actions(request.user, form),
        # The 流转记录 with objections and their answers (workflow.history).
        "timeline": history.form_history(form),
        "returned": history.last_return(form),
        "since_return": (
            history.changes_since_return(form) if form.state == FormState.DEPT_REVIEW else None
        ),
    }
    if form.previous_version_id and form.state == FormState.DRAFT:
        # A re-rated version: the previous version's decision, shown as history beside each
        # point, never as if it were the current level.
        earlier = {p.order: p for p in form.previous_version.points.all()}
        for point in context["points"]:
            point.previous = earlier.get(point.order)
    if form.state not in (FormState.DRAFT, FormState.DEPT_REVIEW):
        # 群众评议 results (anonymous tallies) once the form has been out for rating.
        tallies = workflow_selectors.tallies_for_forms([form])
        if any(t.total for t in tallies.values()):
            for point in context["points"]:
                point.tally = tallies.get(point.pk)
            context["show_tallies"] = True
    if not editable:
        return context
    pending = None if (add_form or edit_form) else _pending_form(request, form)
    if pending is not None:
        slot, point_form = pending
        if slot == "add_form":
            add_form = point_form
        else:
            edit_form = point_form
        context["pending_label"] = pending_edit_label(request, form)
    if edit_form is None:
        try:
            edit_pk = int(request.GET.get("edit", ""))
        except ValueError:
            edit_pk = None
        point = _find_point(form, edit_pk) if edit_pk else None
        if point is not None:
            edit_form = PointForm(instance=point, risk_form=form, prefix=EDIT_PREFIX)
    query = request.GET.get("q", "")[:50]
    show_all = request.GET.get("all") == "1"
    context.update(
        {
            "add_form": add_form
            or PointForm(
                risk_form=form,
                prefix=NEW_PREFIX,
                initial={"responsible_person": services.default_responsible(form)},
            ),
            "edit_form": edit_form,
            "editing_pk": edit_form.instance.pk if edit_form else None,
            "overall_form": overall_form or OverallLevelForm(risk_form=form),
            "library": selectors.library_for_form(form, query=query, show_all=show_all),
            "library_query": query,
            "used_library_ids": {p.library_entry_id for p in context["points"]},
            "library_all": show_all,
            "matrix_json": {
                str(k): {str(h): v for h, v in row.items()} for k, row in LEVEL_MATRIX.items()
            },
            "level_labels_json": {str(n): form.unit.level_label(n) for n in (1, 2, 3)},
            "highest_level": min(
                (p.proposed_level for p in context["points"] if p.proposed_level), default=None
            ),
        }
    )
    return context


def _render_detail(
    request: HttpRequest, form: RiskForm, status: int = 200, **forms
) -> HttpResponse:
    return render(
        request, "risks/form_detail.html", _detail_context(request, form, **forms), status=status
    )


def _conflict(
    request: HttpRequest,
    pk: int,
    stale: StaleRevision,
    mine: dict,
    *,
    action: str | None = None,
    rename_prefix: tuple[str, str] | None = None,
) -> HttpResponse:
    """Both versions side by side: the user's unsaved input and what is saved now. "Keep
    mine" re-posts the input to `action` (default: the same URL) with the current revision."""
    current = selectors.form_for_user(request.user, pk)
    kept = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "revision", "overwrite")
        for value in values
    ]
    if rename_prefix:
        old, new = rename_prefix
        kept = [(new + n[len(old) :] if n.startswith(old) else n, v) for n, v in kept]
    return render(
        request,
        "risks/conflict.html",
        {
            "form": current,
            "mine": mine,
            "kept_fields": kept,
            "action": action or request.path,
            "current_revision": stale.form.revision,
        },
        status=409,
    )


def _point_summary(data: PointInput, form: RiskForm) -> dict:
    unit = form.unit
    return {
        "kind": "point",
        "category": RiskCategory(data.category).label if data.category else "",
        "description": data.description,
        "likelihood": Likelihood(data.likelihood).label if data.likelihood else "未选",
        "harm": Harm(data.harm).label if data.harm else "未选",
        "level": unit.level_label(data.proposed_level) if data.proposed_level else "按建议等级",
        "reason": data.proposal_reason,
        "responsible": data.responsible_person,
        "measures": [m for m in data.measures if m.strip()],
    }


def _saved_message(request: HttpRequest, text: str) -> None:
    if request.POST.get("overwrite"):
        text += "（已用您的内容覆盖了另一处的保存）"
    messages.success(request, text)


def _run_edit(
    request: HttpRequest,
    form: RiskForm,
    action: Callable[[], object],
    *,
    mine: dict,
    on_invalid: Callable[[ValidationError], HttpResponse] | None = None,
) -> HttpResponse | None:
    """Run a service call; answer a stale revision with the conflict page, a validation error
    with a message (or `on_invalid`), a vanished point with a message. None means it worked."""
    try:
        action()
    except StaleRevision as stale:
        return _conflict(request, form.pk, stale, mine)
    except RiskPoint.DoesNotExist:
        messages.error(request, "该风险点已不存在（可能已在其他窗口删除），本次操作未保存。")
        return redirect(_detail_url(form))
    except ValidationError as error:
        if on_invalid is not None:
            return on_invalid(error)
        messages.error(request, "未保存：" + "；".join(error.messages))
        return redirect(_detail_url(form))
    return None


# --- the filling page -------------------------------------------------------------------------


@login_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """一览表: the editing page for its filler while it is theirs to edit, read-only otherwise."""
    form = selectors.form_for_user(request.user, pk)
    if request.GET.get("discard") == "1":
        _pending_clear(request, form)
        messages.info(request, "已放弃未保存的修改。")
        return redirect(_detail_url(form))
    return _render_detail(request, form)


def _point_failed(
    request: HttpRequest, form: RiskForm, point_form: PointForm, slot: str, errors: dict
) -> HttpResponse:
    """Keep what was typed and its errors, and show them on the form page at that point."""
    _pending_store(request, form, slot, point_form, errors)
    messages.error(request, "未保存：请按标红的提示修改后再保存，您填写的内容都还在。")
    # No #anchor: the browser then focuses (and scrolls to) the first field in error.
    point_pk = point_form.instance.pk
    if slot == "edit_form" and point_pk:
        return redirect(_detail_url(form, edit=point_pk))
    return redirect(_detail_url(form))


def _form_errors(point_form: PointForm) -> dict:
    return {
        (field if field != "__all__" else "__all__"): [str(e) for e in errors]
        for field, errors in point_form.errors.items()
    }


def _point_invalid(request: HttpRequest, form: RiskForm, point_form: PointForm, slot: str):
    def handler(error: ValidationError) -> HttpResponse:
        if hasattr(error, "error_dict"):
            errors = {
                (f if f in point_form.fields else "__all__"): list(ValidationError(e).messages)
                for f, e in error.error_dict.items()
            }
        else:
            errors = {"__all__": list(error.messages)}
        return _point_failed(request, form, point_form, slot, errors)

    return handler


@login_required
@require_POST
def point_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    point_form = PointForm(request.POST, risk_form=form, prefix=NEW_PREFIX)
    if not point_form.is_valid():
        return _point_failed(request, form, point_form, "add_form", _form_errors(point_form))
    data = point_form.point_input()
    created: list[RiskPoint] = []
    failed = _run_edit(
        request,
        form,
        lambda: created.append(
            services.point_add(
                form=form, data=data, based_on_revision=_based_on(request), by=request.user
            )
        ),
        mine={"title": "新增风险点", **_point_summary(data, form)},
        on_invalid=_point_invalid(request, form, point_form, "add_form"),
    )
    if failed:
        return failed
    point = created[0]
    _pending_clear(request, form)
    _saved_message(request, f"已保存：新增第 {point.order} 个风险点。")
    return redirect(_detail_url(form, anchor=f"point-{point.pk}"))


@login_required
def point_edit(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    point = _find_point(form, point_pk)
    if point is None:
        return _edit_of_deleted_point(request, form)
    if request.method != "POST":
        return redirect(_detail_url(form, anchor=f"point-{point.pk}", edit=point.pk))
    point_form = PointForm(request.POST, instance=point, risk_form=form, prefix=EDIT_PREFIX)
    if not point_form.is_valid():
        return _point_failed(request, form, point_form, "edit_form", _form_errors(point_form))
    data = point_form.point_input()
    number = list(form.points.all()).index(point) + 1
    failed = _run_edit(
        request,
        form,
        lambda: services.point_update(
            point=point, data=data, based_on_revision=_based_on(request), by=request.user
        ),
        mine={"title": f"修改第 {number} 个风险点", **_point_summary(data, form)},
        on_invalid=_point_invalid(request, form, point_form, "edit_form"),
    )
    if failed:
        return failed
    _pending_clear(request, form)
    _saved_message(request, f"已保存第 {number} 个风险点的修改。")
    return redirect(_detail_url(form, anchor=f"point-{point.pk}"))


def _edit_of_deleted_point(request: HttpRequest, form: RiskForm) -> HttpResponse:
    """The point was deleted elsewhere while this user edited it: show their input beside the
    current form; keeping it adds it back as a new point. Nothing is lost silently."""
    if request.method != "POST":
        messages.error(request, "该风险点已不存在（可能已在其他窗口删除）。")
        return redirect(_detail_url(form))
    point_form = PointForm(request.POST, risk_form=form, prefix=EDIT_PREFIX)
    if not point_form.is_valid():
        messages.error(request, "该风险点已不存在（可能已在其他窗口删除），您的修改未保存。")
        return redirect(_detail_url(form))
    return _conflict(
        request,
        form.pk,
        StaleRevision(form),
        {"title": "修改的风险点已在别处删除", **_point_summary(point_form.point_input(), form)},
        action=reverse("risks:point_add", args=[form.pk]),
        rename_prefix=(f"{EDIT_PREFIX}-", f"{NEW_PREFIX}-"),
    )


@login_required
@require_POST
def point_delete(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    point = _find_point(form, point_pk)
    if point is None:
        messages.info(request, "该风险点已不存在，无需删除。")
        return redirect(_detail_url(form))
    failed = _run_edit(
        request,
        form,
        lambda: services.point_delete(
            point=point, based_on_revision=_based_on(request), by=request.user
        ),
        mine={"title": "删除风险点", "kind": "text", "text": f"删除风险点：{point.description}"},
    )
    if failed:
        return failed
    _saved_message(request, f"已删除风险点：{point.description[:30]}")
    return redirect(_detail_url(form, anchor="points"))


@login_required
@require_POST
def point_move(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    point = _find_point(form, point_pk)
    direction = request.POST.get("direction")
    if point is None or direction not in ("up", "down"):
        messages.error(request, "无法调整顺序：该风险点已不存在或操作无效。")
        return redirect(_detail_url(form))
    word = "上移" if direction == "up" else "下移"
    failed = _run_edit(
        request,
        form,
        lambda: services.point_move(
            point=point,
            direction=direction,
            based_on_revision=_based_on(request),
            by=request.user,
        ),
        mine={"title": "调整顺序", "kind": "text", "text": f"{word}风险点：{point.description}"},
    )
    if failed:
        return failed
    _saved_message(request, f"已{word}风险点。")
    return redirect(_detail_url(form, anchor=f"point-{point.pk}"))


@login_required
@require_POST
def library_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    try:
        entry = selectors.library_entry_for_form(form, int(request.POST.get("entry", "")))
    except ValueError:
        entry = None
    if entry is None:
        messages.error(request, "未添加：没有找到该风险点库条目，或它不适用于这张一览表。")
        return redirect(_detail_url(form, anchor="library"))
    created: list[RiskPoint] = []
    data = services.point_input_from_library(entry)
    failed = _run_edit(
        request,
        form,
        lambda: created.append(
            services.point_add_from_library(
                form=form, entry=entry, based_on_revision=_based_on(request), by=request.user
            )
        ),
        mine={"title": "从风险点库添加", **_point_summary(data, form)},
    )
    if failed:
        return failed
    point = created[0]
    _saved_message(
        request,
        f"已从风险点库添加第 {point.order} 个风险点，请结合本岗位实际修改内容和措施。",
    )
    return redirect(_detail_url(form, anchor=f"point-{point.pk}"))


@login_required
@require_POST
def overall_level(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form(request, pk)
    overall_form = OverallLevelForm(request.POST, risk_form=form)
    if not overall_form.is_valid():
        messages.error(request, "未保存：请从列表中选择总体风险等级。")
        return redirect(_detail_url(form, anchor="h-header"))
    level = overall_form.cleaned_data["overall_proposed_level"]
    label = form.unit.level_label(level) if level else "暂不确定"
    failed = _run_edit(
        request,
        form,
        lambda: services.form_set_overall_level(
            form=form, level=level, based_on_revision=_based_on(request), by=request.user
        ),
        mine={"title": "总体风险等级", "kind": "text", "text": f"本表总体风险等级：{label}"},
    )
    if failed:
        return failed
    _saved_message(request, f"已保存：本表总体风险等级为“{label}”。")
    return redirect(_detail_url(form))


@login_required
def form_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """廉防办: hand a draft form to another filler."""
    form = selectors.form_for_user(request.user, pk)
    if not access.can_reassign_filler(request.user, form):
        raise PermissionDenied("只有廉防办可以在自查填报阶段更换填表人。")
    people = selectors.unit_people(form.unit)
    chooser = ReassignFillerForm(request.POST or None, people=people)
    if request.method == "POST" and chooser.is_valid():
        try:
            services.form_reassign_filler(
                form=form, filler=chooser.cleaned_data["filler"], by=request.user
            )
        except ValidationError as error:
            chooser.add_error("filler", error.messages)
        else:
            messages.success(
                request,
                f"已将“{form.subject_title}”的填表人改为 {chooser.cleaned_data['filler'].name}。",
            )
            return redirect("risks:round_detail", pk=form.round_id)
    return render(request, "risks/form_reassign.html", {"form": form, "chooser": chooser})


# --- lists ------------------------------------------------------------------------------------


@login_required
def my_forms(request: HttpRequest) -> HttpResponse:
    """我的一览表: every form the user fills, newest round first."""
    forms = list(selectors.forms_filled_by(request.user))
    return render(
        request,
        "risks/my_forms.html",
        {"forms": forms, "has_person": access.person_for(request.user) is not None},
    )


FORM_LIST_PAGE_SIZE = 50


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    """一览表查阅: the forms the user may read, filtered by round, department and state."""
    choices = selectors.filter_choices(request.user)
    params = request.GET.copy()
    if "round" not in params and choices["rounds"]:
        # The current (newest) round by default: forms of two rounds never mix unseen.
        params["round"] = str(choices["rounds"][0].pk)
    filter_form = FormListFilter(params or None, **choices)
    filters = selectors.FormFilters()
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.FormFilters(
            round_id=data["round"], department_id=data["department"], state=data["state"]
        )
    page = Paginator(selectors.forms_for_user(request.user, filters), FORM_LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risks/form_list.html",
        {
            "page": page,
            "forms": page.object_list,
            "filter_form": filter_form,
            "query": query.urlencode(),
        },
    )


# --- rounds -----------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    units = access.units_coordinated_by(request.user)
    if not units:
        raise Http404("只有廉防办可以管理排查轮次。")
    return render(
        request, "risks/round_list.html", {"rounds": list(selectors.rounds_for_user(request.user))}
    )


@login_required
def round_open(request: HttpRequest) -> HttpResponse:
    """Two steps: the form (every deadline and the notice length required), then a page that
    says how many forms of which kind will be created; only its 确认开启 (the `confirmed`
    field) opens the round."""
    units = access.units_coordinated_by(request.user)
    if not units:
        raise Http404("只有廉防办可以开启排查轮次。")
    year = clock.today().year
    suggested = f"{year}年度廉政风险排查"
    initial = {"unit": units[0].pk, "year": year}
    # Never pre-fill the title of a round that exists: opening it again is not how it changes.
    if not Round.objects.filter(unit=units[0], title=suggested).exists():
        initial["title"] = suggested
    opener = RoundOpenForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and opener.is_valid():
        data = opener.cleaned_data
        if "back" in request.POST:
            return render(request, "risks/round_open.html", {"opener": opener})
        if request.POST.get("confirmed") != "1":
            plan = selectors.forms_plan(selectors.missing_forms(Round(unit=data["unit"])))
            return render(
                request,
                "risks/round_open_confirm.html",
                {"opener": opener, "data": data, "plan": plan},
            )
        try:
            result = services.round_open(
                unit=data["unit"],
                year=data["year"],
                title=data["title"],
                self_check_deadline=data["self_check_deadline"],
                dept_review_deadline=data["dept_review_deadline"],
                mass_review_deadline=data["mass_review_deadline"],
                collective_deadline=data["collective_deadline"],
                notice_working_days=data["notice_working_days"],
                by=request.user,
            )
        except ValidationError as error:
            opener.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"已开启“{result.round.title}”，为 {result.round.unit.name} 生成 "
                f"{result.created_forms} 张一览表。",
            )
            return redirect("risks:round_detail", pk=result.round.pk)
    return render(request, "risks/round_open.html", {"opener": opener})


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's deadlines and notice length, changed in place (audited)."""
    rnd = selectors.round_for_user(request.user, pk)
    initial = {name: getattr(rnd, name) for name in RoundEditForm.DEADLINES}
    initial["notice_working_days"] = rnd.notice_working_days
    editor = RoundEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and editor.is_valid():
        try:
            services.round_update(
                round=rnd,
                by=request.user,
                client_address=request.META.get("REMOTE_ADDR"),
                **editor.cleaned_data,
            )
        except ValidationError as error:
            editor.add_error(None, error.messages)
        else:
            messages.success(request, f"已修改“{rnd.title}”的截止日期和公示期。")
            return redirect("risks:round_detail", pk=rnd.pk)
    return render(request, "risks/round_edit.html", {"round": rnd, "editor": editor})


# A round of a 500-person unit holds 500+ forms: the page lists them a hundred at a time (a
# department, a state or both narrow it down) under the counts of the whole round.
ROUND_PAGE_FORMS = 100


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = selectors.round_for_user(request.user, pk)
    departments = selectors.round_departments(rnd)
    filter_form = RoundFormsFilter(
        request.GET or None, departments=departments, leadership=selectors.LEADERSHIP_GROUP
    )
    group = state = ""
    if filter_form.is_bound and filter_form.is_valid():
        group, state = filter_form.cleaned_data["group"], filter_form.cleaned_data["state"]
    tally = selectors.round_tally(rnd)
    counts = {s.value: 0 for s in FormState}
    waiting = {s.value: False for s in FormState}
    shown: dict[int | None, int] = {}  # forms of each department the filters keep
    for (department_id, form_state), n in tally.items():
        counts[form_state] += n
        waiting[form_state] = True
        if not state or form_state == state:
            shown[department_id] = shown.get(department_id, 0) + n
    paginator = Paginator(selectors.round_forms(rnd, group=group, state=state), ROUND_PAGE_FORMS)
    # The tally has counted them already: no COUNT(*) of the list.
    paginator.count = sum(
        n
        for department_id, n in shown.items()
        if not group
        or (department_id is None and group == selectors.LEADERSHIP_GROUP)
        or str(department_id) == group
    )
    page = paginator.get_page(request.GET.get("page"))
    groups: dict[int | None, tuple[str, int, list[RiskForm]]] = {}
    for form in page.object_list:
        key = form.department_id
        if key not in groups:
            title = form.department.name if key else "领导班子"
            groups[key] = (title, shown.get(key, 0), [])
        groups[key][2].append(form)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "risks/round_detail.html",
        {
            "round": rnd,
            "groups": list(groups.values()),
            "counts": [(s.value, s.label, counts[s.value]) for s in FormState],
            "waiting": waiting,
            "page": page,
            "filter_form": filter_form,
            "filtered": bool(group or state),
            "query": query.urlencode(),
            "total": sum(tally.values()),
        },
    )


@login_required
@require_POST
def round_sync(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = selectors.round_for_user(request.user, pk)
    created = services.round_create_missing_forms(round=rnd, by=request.user)
    if created:
        messages.success(request, f"已补建 {created} 张缺少的一览表。")
    else:
        messages.info(request, "所有岗位、部室和领导班子都已有一览表，没有需要补建的。")
    return redirect("risks:round_detail", pk=rnd.pk)
