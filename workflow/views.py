"""Screens of the approval chain. Thin: read through workflow.selectors, write through
workflow.services. No access → 404 (selectors); may read but not act → 403."""

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import rules as access
from audit.enums import AuditAction
from audit.net import client_address
from audit.services import audit_record
from risks import selectors as risk_selectors
from risks.models import RiskForm
from workflow import history, reminders, selectors, services
from workflow.enums import Action, FormState, RatingVerdict
from workflow.forms import (
    AnswerForm,
    CommentForm,
    MeetingForm,
    ObjectionForm,
    RatingWindowForm,
)
from workflow.models import CollectiveMeeting, Notification, Objection, RatingWindow


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the action was taken on; never to a form's sub-URL (a POST-only
    address), always to the form page then."""
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    path = target.split("?")[0].split("#")[0]
    if path.startswith("/forms/") and path.count("/") > 3:
        target = default
    return redirect(target)


def _report_batch(request: HttpRequest, result: services.BatchResult, verb: str) -> None:
    if result.done:
        messages.success(request, f"已{verb} {len(result.done)} 张一览表。")
    for form, reasons in result.failed:
        messages.error(request, f"《{form.subject_title}》未能{verb}：{' '.join(reasons)}")


def _office_units_or_403(request: HttpRequest):
    units = selectors.office_units(request.user)
    if not units:
        raise PermissionDenied("仅廉防办可以办理。")
    return units


def _selected_ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("form_ids") if v.isdigit()]


def _confirmed(request: HttpRequest) -> bool:
    """Irreversible steps run only from their confirmation page (the `confirmed` field)."""
    return request.POST.get("confirmed") == "1"


def _confirm_page(
    request: HttpRequest,
    *,
    title: str,
    confirm_label: str,
    back_url: str,
    forms: list[RiskForm] | None = None,
    lines: list[str] | None = None,
    warning: str = "",
) -> HttpResponse:
    """Ask first: what will be done, to how many forms and which; the POST is carried over
    unchanged and runs for real only with `confirmed`. Nothing has changed yet (HTTP 200)."""
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    return render(
        request,
        "workflow/confirm.html",
        {
            "title": title,
            "confirm_label": confirm_label,
            "back_url": back_url,
            "forms": forms or [],
            "needs_forms": forms is not None,
            "lines": lines or [],
            "warning": warning,
            "carried": carried,
            "action_url": request.get_full_path(),
        },
    )


def _chosen_round(request: HttpRequest, rounds: list) -> int | None:
    """`?round=all` shows every round; `?round=<id>` one; by default the current (newest)
    round of those the list holds, so that forms of two rounds never mix unseen."""
    wanted = request.GET.get("round", "")
    if wanted == "all":
        return None
    ids = [r.pk for r in rounds]
    if wanted.isdigit() and int(wanted) in ids:
        return int(wanted)
    return ids[0] if ids else None


def _by_round(request: HttpRequest, forms: list) -> tuple[list, dict]:
    """Filter a list of forms (or objects with `.form`) by round; the context for
    workflow/_round_filter.html."""
    form_of = [getattr(item, "form", item) for item in forms]
    rounds = sorted({f.round for f in form_of}, key=lambda r: (-r.year, -r.pk))
    chosen = _chosen_round(request, rounds)
    shown = [item for item, f in zip(forms, form_of, strict=True) if chosen in (None, f.round_id)]
    return shown, {"rounds": rounds, "chosen_round": chosen}


def _qs_by_round(request: HttpRequest, qs):
    """The same for a queryset (pages that paginate in the database)."""
    from risks.models import Round

    rounds = list(Round.objects.filter(pk__in=qs.values("round_id")).order_by("-year", "-id"))
    chosen = _chosen_round(request, rounds)
    if chosen is not None:
        qs = qs.filter(round_id=chosen)
    return qs, {"rounds": rounds, "chosen_round": chosen}


def _person_or_403(request: HttpRequest):
    person = access.person_for(request.user)
    if person is None:
        raise PermissionDenied
    return person


# ------------------------------------------------------------------------- one form


@login_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The chain's own form page was merged into risks:form_detail; this address stays as a
    permanent redirect because notifications already sent store it."""
    return redirect("risks:form_detail", pk=pk, permanent=True)


@login_required
@require_POST
def form_act(request: HttpRequest, pk: int) -> HttpResponse:
    form = risk_selectors.form_for_user(request.user, pk)
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        raise Http404("未知的操作。") from None
    form_page = reverse("risks:form_detail", args=[form.pk])
    if action == Action.SUBMIT:
        refusal = _submit_refusal(request, form)
        if refusal:
            messages.error(request, refusal)
            return redirect(form_page)
    extra = {}
    if action == Action.RERATE:
        extra["reason"] = request.POST.get("reason", "")
    if action == Action.SUBMIT and not _confirmed(request):
        form.confirm_note = f"{len(form.points.all())} 个风险点"
        return _confirm_page(
            request,
            title="提交一览表",
            confirm_label="确认提交",
            back_url=reverse("risks:form_detail", args=[form.pk]),
            forms=[form],
            warning="提交后本表进入部室审核，您不能再修改，除非被退回。",
        )
    try:
        result = services.form_transition(
            form=form,
            action=action,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            client_address=client_address(request),
            extra=extra,
        )
    except services.TransitionForbidden as exc:
        # Read but not act: 403, shown as our Chinese error page with the reason.
        raise PermissionDenied(" ".join(exc.messages)) from exc
    except services.TransitionRefused as exc:
        # Refused now (state, reason, gates): the reason on the page they were on, never only
        # in a log and never on an error page.
        for msg in exc.messages:
            messages.error(request, f"{action.label}未办理：{msg}")
        return _back(request, form_page)
    if result.new_form is not None:
        new = result.new_form
        messages.success(
            request,
            f"《{form.subject_title}》已重新评定：第 {form.version} 版仍为"
            f"“{result.form.get_state_display()}”，新的第 {new.version} 版现处于"
            f"“{new.get_state_display()}”阶段"
            + (f"，由 {new.filler.name} 填报。" if new.filler_id else "。"),
        )
        return redirect("workflow:changes", pk=new.pk)
    messages.success(
        request,
        f"《{form.subject_title}》：{action.label}完成，"
        f"现处于“{result.form.get_state_display()}”阶段。",
    )
    return _back(request, form_page)


def _submit_refusal(request: HttpRequest, form: RiskForm) -> str:
    """Why 提交 cannot go now: an edit the page has not saved, or a page older than the form
    (the submit request carries the revision it showed). Empty when it may go."""
    from risks.views import pending_edit_label

    unsaved = request.POST.get("unsaved", "").strip()[:30] or pending_edit_label(request, form)
    if unsaved:
        return (
            f"提交未办理：{unsaved}的修改还没有保存。请先保存（或放弃）这处修改，确认无误后再提交。"
        )
    if request.POST.get("revision", "") != str(form.revision):
        return (
            "提交未办理：这张一览表在您打开页面之后又保存过修改（可能在另一个窗口）。"
            "请核对下面的最新内容，再点“提交”。"
        )
    return ""


@login_required
@require_GET
def version_changes(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed in a re-rated version against the filed one it came from."""
    form = risk_selectors.form_for_user(request.user, pk)
    if not form.previous_version_id:
        raise Http404("此表没有上一版本。")
    previous = risk_selectors.form_for_user(request.user, form.previous_version_id)
    return render(
        request,
        "workflow/changes.html",
        {"form": form, "previous": previous, "rows": selectors.version_changes(previous, form)},
    )


# ------------------------------------------------------------------------- 部室审核


# A queue page holds this many forms; the batch checkboxes act on the forms of the page.
QUEUE_PAGE_SIZE = 50
# The 公示 and 已备案 pages show every point of their forms: this many forms a page.
REGISTER_PAGE_FORMS = 20


def _queue_page(request: HttpRequest, queue: list[RiskForm], *, decided: bool) -> Page:
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.queue_summaries(list(page.object_list), decided=decided)
    return page


def _back_to_page(request: HttpRequest, url_name: str) -> HttpResponse:
    """After a batch, the same page number again (now showing the forms still waiting)."""
    number = request.POST.get("page", "")
    url = reverse(url_name)
    return redirect(f"{url}?page={number}" if number.isdigit() and number != "1" else url)


@login_required
@require_http_methods(["GET", "POST"])
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.review_queue(request.user)
    if request.method == "POST":
        chosen = set(_selected_ids(request))
        result = services.forms_transition(
            forms=[f for f in queue if f.pk in chosen],
            action=Action.PASS,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            client_address=client_address(request),
        )
        if not chosen:
            messages.warning(request, "请先勾选要通过的一览表。")
        _report_batch(request, result, "审核通过")
        return _back_to_page(request, "workflow:review_queue")
    shown, by_round = _by_round(request, queue)
    page = _queue_page(request, shown, decided=False)
    return render(
        request,
        "workflow/review_queue.html",
        {"page": page, "forms": page.object_list, "form": CommentForm(), **by_round},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.sign_queue(request.user)
    if request.method == "POST":
        chosen = set(_selected_ids(request))
        result = services.BatchResult()
        for form in [f for f in queue if f.pk in chosen]:
            one = services.forms_transition(
                forms=[form],
                action=form.sign_action,
                actor=request.user,
                client_address=client_address(request),
            )
            result.done += one.done
            result.failed += one.failed
        if not chosen:
            messages.warning(request, "请先勾选要签字的一览表。")
        _report_batch(request, result, "签字")
        return _back_to_page(request, "workflow:sign_queue")
    shown, by_round = _by_round(request, queue)
    page = _queue_page(request, shown, decided=True)
    return render(
        request, "workflow/sign_queue.html", {"page": page, "forms": page.object_list, **by_round}
    )


# ------------------------------------------------------------------------- 群众评议


@login_required
@require_GET
def rating_list(request: HttpRequest) -> HttpResponse:
    services.rating_windows_close_due()
    return render(
        request, "workflow/rating_list.html", {"forms": selectors.rating_forms_for(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_form(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_or_403(request)
    services.rating_windows_close_due()
    form = risk_selectors.form_for_user(request.user, pk)
    window = selectors.rating_window_for(person, form)
    if window is None or form.filler_id == person.pk:
        raise PermissionDenied("您不能评议此表。")
    points = list(form.points.all())
    if request.method == "POST":
        saved = 0
        try:
            for point in points:
                verdict = request.POST.get(f"verdict-{point.pk}")
                if verdict in RatingVerdict.values:
                    services.rating_save(
                        window=window,
                        point=point,
                        rater=person,
                        verdict=verdict,
                        comment=request.POST.get(f"comment-{point.pk}", "")[:500],
                    )
                    saved += 1
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"已保存 {saved} 条评议意见，评议结束前可以修改。")
        return redirect("workflow:rating_list")
    mine = selectors.my_ratings(person, window)
    for point in points:
        point.mine = mine.get(point.pk)
    return render(
        request,
        "workflow/rate_form.html",
        {"form": form, "points": points, "window": window, "verdicts": RatingVerdict.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_windows(request: HttpRequest) -> HttpResponse:
    units = _office_units_or_403(request)
    services.rating_windows_close_due()
    window_form = RatingWindowForm(request.POST or None, units=units)
    if request.method == "POST" and window_form.is_valid():
        data = window_form.cleaned_data
        try:
            window, batch = services.rating_window_open(
                actor=request.user,
                round=data["round"],
                department=data["department"],
                deadline=data["deadline"],
                client_address=client_address(request),
            )
        except services.TransitionError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"已开始{window.scope_label}群众评议，共 {len(batch.done)} 张一览表。"
            )
            return redirect("workflow:rating_windows")
    return render(
        request,
        "workflow/rating_windows.html",
        {
            "windows": selectors.rating_windows_for_office(request.user),
            "waiting": list(selectors.waiting_for_rating(request.user)),
            "window_form": window_form,
        },
    )


def _office_window(request: HttpRequest, pk: int) -> RatingWindow:
    units = _office_units_or_403(request)
    return get_object_or_404(RatingWindow, pk=pk, unit__in=units)


@login_required
@require_POST
def rating_window_close(request: HttpRequest, pk: int) -> HttpResponse:
    window = _office_window(request, pk)
    if not _confirmed(request):
        return _confirm_page(
            request,
            title=f"结束{window.scope_label}群众评议",
            confirm_label="确认结束评议",
            back_url=reverse("workflow:rating_windows"),
            forms=list(
                window.forms.filter(state=FormState.MASS_REVIEW).select_related(
                    "unit", "round", "post__department", "department", "filler"
                )
            ),
            warning="结束后同事不能再评议，以下一览表转入集体审定。",
        )
    result = services.rating_window_close(
        window=window, actor=request.user, client_address=client_address(request)
    )
    _report_batch(request, result, "结束群众评议并转入集体审定")
    return redirect("workflow:rating_windows")


@login_required
@require_POST
def rating_window_add(request: HttpRequest, pk: int) -> HttpResponse:
    window = _office_window(request, pk)
    if not window.is_open:
        messages.error(request, "该群众评议已结束。")
    else:
        result = services.rating_window_add_forms(
            window=window, actor=request.user, client_address=client_address(request)
        )
        _report_batch(request, result, "加入群众评议")
    return redirect("workflow:rating_windows")


# ------------------------------------------------------------------------- 集体审定


@login_required
@require_http_methods(["GET", "POST"])
def collective(request: HttpRequest) -> HttpResponse:
    units = _office_units_or_403(request)
    forms = selectors.collective_overview(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in (Action.PUBLISH, Action.RETURN_FROM_COLLECTIVE):
            raise Http404
        chosen = set(_selected_ids(request))
        selected = [f for f in forms if f.pk in chosen]
        if action == Action.PUBLISH and not _confirmed(request):
            return _confirm_page(
                request,
                title="公示所选一览表",
                confirm_label=f"确认公示 {len(selected)} 张",
                back_url=reverse("workflow:collective"),
                forms=selected,
                warning="公示后审定结果向全单位公开，公示期内只能通过异议退回。",
            )
        result = services.forms_transition(
            forms=selected,
            action=action,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            client_address=client_address(request),
        )
        if not chosen:
            messages.warning(request, "请先勾选一览表。")
        _report_batch(request, result, Action(action).label)
        return redirect("workflow:collective")
    shown, by_round = _by_round(request, forms)
    return render(
        request,
        "workflow/collective.html",
        {
            "forms": shown,
            **by_round,
            "meetings": selectors.meetings_for(request.user),
            "meeting_form": MeetingForm(units=units),
        },
    )


@login_required
@require_POST
def meeting_create(request: HttpRequest) -> HttpResponse:
    units = _office_units_or_403(request)
    meeting_form = MeetingForm(request.POST, request.FILES, units=units)
    if meeting_form.is_valid():
        data = meeting_form.cleaned_data
        meeting = services.meeting_create(actor=request.user, **data)
        messages.success(request, f"已记录{meeting}。请逐表确定审定等级。")
        return redirect("workflow:meeting", pk=meeting.pk)
    for errors in meeting_form.errors.values():
        for msg in errors:
            messages.error(request, msg)
    return redirect("workflow:collective")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Batch decide: every form of the meeting's round in 集体审定, per point the proposal and
    its reason, the 群众评议 tally and comments, a final level (pre-filled with the proposal, so
    the default never asks for a reason), and a reason where it differs from the proposal."""
    units = _office_units_or_403(request)
    meeting = get_object_or_404(
        CollectiveMeeting.objects.select_related("round"), pk=pk, unit__in=units
    )
    forms = selectors.collective_forms(request.user, round_id=meeting.round_id)
    if request.method == "POST":
        chosen = set(_selected_ids(request))
        result = services.BatchResult()
        for form in [f for f in forms if f.pk in chosen]:
            levels = {
                p.pk: (
                    request.POST.get(f"level-{p.pk}"),
                    request.POST.get(f"reason-{p.pk}", ""),
                )
                for p in form.point_list
            }
            one = services.forms_transition(
                forms=[form],
                action=Action.DECIDE,
                actor=request.user,
                client_address=client_address(request),
                extra={"meeting": meeting, "levels": levels},
            )
            result.done += one.done
            result.failed += one.failed
        _report_batch(request, result, "记录审定结果")
        return redirect("workflow:meeting", pk=meeting.pk)
    for form in forms:
        for point in form.point_list:
            point.initial_level = point.final_level or point.proposed_level
    return render(
        request,
        "workflow/meeting.html",
        {"meeting": meeting, "forms": forms, "levels": [1, 2, 3]},
    )


@login_required
@require_GET
def meeting_minutes_file(request: HttpRequest, pk: int) -> HttpResponse:
    units = _office_units_or_403(request)
    meeting = get_object_or_404(CollectiveMeeting, pk=pk, unit__in=units)
    if not meeting.minutes_file:
        raise Http404
    content_type = mimetypes.guess_type(meeting.minutes_file.name)[0] or "application/octet-stream"
    audit_record(
        request=request,
        action=AuditAction.DOWNLOAD,
        obj=meeting,
        details={"report": "meeting_minutes", "file": meeting.minutes_file.name},
    )
    return FileResponse(
        meeting.minutes_file.open("rb"), as_attachment=True, content_type=content_type
    )


# ------------------------------------------------------------------------- 公示, 异议, 备案


@login_required
@require_GET
def notice_register(request: HttpRequest) -> HttpResponse:
    register, by_round = _qs_by_round(request, selectors.notice_register(request.user))
    page = Paginator(register, REGISTER_PAGE_FORMS).get_page(request.GET.get("page"))
    is_office = bool(selectors.office_units(request.user))
    return render(
        request,
        "workflow/notice_register.html",
        {
            "page": page,
            **by_round,
            "forms": selectors.with_notice(list(page.object_list)),
            "fileable": selectors.fileable_forms(request.user) if is_office else [],
            "is_office": is_office,
        },
    )


@login_required
@require_GET
def filed_register(request: HttpRequest) -> HttpResponse:
    register, by_round = _qs_by_round(request, selectors.filed_register(request.user))
    page = Paginator(register, REGISTER_PAGE_FORMS).get_page(request.GET.get("page"))
    return render(
        request,
        "workflow/filed_register.html",
        {"page": page, "forms": page.object_list, **by_round},
    )


@login_required
@require_POST
def file_batch(request: HttpRequest) -> HttpResponse:
    _office_units_or_403(request)
    fileable = selectors.fileable_forms(request.user)
    chosen = set(_selected_ids(request))
    selected = [f for f in fileable if f.pk in chosen]
    if not chosen:
        messages.warning(request, "请先勾选要备案的一览表。")
        return redirect("workflow:notice_register")
    if not _confirmed(request):
        return _confirm_page(
            request,
            title="备案所选一览表",
            confirm_label=f"确认备案 {len(selected)} 张",
            back_url=reverse("workflow:notice_register"),
            forms=selected,
            warning="备案后即为正式台账，不能再修改，只能重新评定。",
        )
    result = services.forms_transition(
        forms=selected,
        action=Action.FILE,
        actor=request.user,
        client_address=client_address(request),
    )
    _report_batch(request, result, "备案")
    return redirect("workflow:notice_register")


@login_required
@require_http_methods(["GET", "POST"])
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = risk_selectors.form_for_user(request.user, pk)
    if form.state != FormState.PUBLIC_NOTICE:
        raise PermissionDenied("此表不在公示期内。")
    objection_form = ObjectionForm(request.POST or None, form=form)
    if request.method == "POST" and objection_form.is_valid():
        data = objection_form.cleaned_data
        point = form.points.filter(pk=data["point"]).first() if data["point"] else None
        try:
            services.objection_raise(
                actor=request.user,
                form=form,
                point=point,
                text=data["text"],
                anonymous=data["anonymous"],
            )
        except services.TransitionForbidden as exc:
            raise PermissionDenied from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                "异议已提交，廉防办将逐条答复。答复后可在“我提出的异议”中查看"
                + ("（匿名提出的异议不显示您的姓名）。" if data["anonymous"] else "。"),
            )
            return redirect("workflow:my_objections")
    return render(
        request, "workflow/objection_form.html", {"form": form, "objection_form": objection_form}
    )


@login_required
@require_GET
def objections(request: HttpRequest) -> HttpResponse:
    _office_units_or_403(request)
    shown, by_round = _by_round(request, selectors.objections_for_office(request.user))
    return render(
        request,
        "workflow/objections.html",
        {"objections": shown, "answer_form": AnswerForm(), **by_round},
    )


@login_required
@require_GET
def my_objections(request: HttpRequest) -> HttpResponse:
    """我提出的异议: the objections this person raised, anonymous ones too, and their answers.
    Only the raiser sees this list; nobody else learns that an anonymous one is theirs."""
    return render(
        request,
        "workflow/my_objections.html",
        {"objections": history.objections_raised_by(request.user)},
    )


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    units = _office_units_or_403(request)
    objection = get_object_or_404(Objection, pk=pk, form__unit__in=units)
    answer_form = AnswerForm(request.POST)
    if not answer_form.is_valid():
        messages.error(request, "请填写答复并选择结论（成立或不成立）。")
        return redirect("workflow:objections")
    upheld = answer_form.cleaned_data["upheld"]
    if not _confirmed(request):
        return _confirm_page(
            request,
            title="答复异议",
            confirm_label="确认答复",
            back_url=reverse("workflow:objections"),
            lines=[
                f"一览表：《{objection.form.subject_title}》",
                f"异议：{objection.text}",
                f"答复：{answer_form.cleaned_data['answer']}",
                "结论：异议成立，该表退回集体审定" if upheld else "结论：异议不成立，维持审定结果",
            ],
            warning="答复后不能修改。",
        )
    try:
        services.objection_answer(
            objection=objection,
            actor=request.user,
            answer=answer_form.cleaned_data["answer"],
            upheld=upheld,
            client_address=client_address(request),
        )
    except services.TransitionForbidden as exc:
        raise PermissionDenied from exc
    except (services.TransitionRefused, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "已答复。")
    return redirect("workflow:objections")


# ------------------------------------------------------------------------- board, notices


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    rounds = selectors.board_rounds(request.user)
    if not access.may_see_board(request.user):
        raise PermissionDenied("进度看板仅供廉防办和纪检监督人员查看。")
    round_id = request.GET.get("round")
    chosen = (
        int(round_id) if round_id and round_id.isdigit() else (rounds[0].pk if rounds else None)
    )
    data = selectors.progress_board(user=request.user, round_id=chosen) if chosen else None
    may_remind = bool(data and access.can_manage_round(request.user, data.round.unit))
    if data:
        for form in data.overdue_forms:
            form.phase_deadline = reminders.phase_deadline(form)
    return render(
        request,
        "workflow/board.html",
        {
            "rounds": rounds,
            "board": data,
            "may_remind": may_remind,
            "email_enabled": bool(settings.EMAIL_HOST),
        },
    )


@login_required
@require_POST
def board_remind(request: HttpRequest) -> HttpResponse:
    """催办 the selected late forms of a round (the office of its unit only)."""
    _office_units_or_403(request)
    round_id = request.POST.get("round", "")
    if not round_id.isdigit():
        raise Http404
    board = selectors.progress_board(user=request.user, round_id=int(round_id))
    chosen = set(_selected_ids(request))
    if not chosen:
        messages.warning(request, "请先勾选要催办的逾期一览表。")
    else:
        result = reminders.forms_remind(
            forms=[f for f in board.overdue_forms if f.pk in chosen],
            actor=request.user,
            client_address=client_address(request),
        )
        if result.sent:
            messages.success(request, f"已催办 {len(result.sent)} 张一览表，已通知相关办理人。")
        for form, reason in result.skipped:
            messages.warning(request, f"《{form.subject_title}》未催办：{reason}。")
    return redirect(f"{reverse('workflow:board')}?round={board.round.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = _selected_ids(request) if request.POST.get("form_ids") else None
        services.notifications_mark_read(user=request.user, ids=ids)
        return redirect("workflow:notifications")
    return render(
        request,
        "workflow/notifications.html",
        {"notifications": selectors.notifications_for(request.user)},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notice read and go to what it is about: POST, since a GET never changes state."""
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notifications_mark_read(user=request.user, ids=[notice.pk])
    target = notice.url or reverse("workflow:notifications")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("workflow:notifications")
    return redirect(target)
