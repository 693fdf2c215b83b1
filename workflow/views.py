"""Screens of the approval chain. Thin: read through workflow.selectors, write through
workflow.services. No access → 404 (selectors); may read but not act → 403."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.enums import AuditAction
from audit.services import audit_record
from risks.models import RiskForm
from risks.permissions import may_see_board
from units import roles
from workflow import history, selectors, services
from workflow.enums import Action, FormState, RatingVerdict
from workflow.forms import (
    AnswerForm,
    CommentForm,
    MeetingForm,
    ObjectionForm,
    RatingWindowForm,
)
from workflow.models import CollectiveMeeting, Notification, Objection, RatingWindow


def _client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


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


def _person_or_403(request: HttpRequest):
    person = roles.person_for(request.user)
    if person is None:
        raise PermissionDenied
    return person


# ------------------------------------------------------------------------- one form


def form_panel_context(request: HttpRequest, form: RiskForm) -> dict:
    """Context of templates/workflow/_form_actions.html (reusable in the form page)."""
    tallies = selectors.tallies_for_forms([form])
    points = list(form.points.all())
    for point in points:
        point.tally = tallies.get(point.pk)
    return {
        "form": form,
        "points": points,
        "actions": selectors.available_actions(request.user, form),
        "timeline": selectors.form_timeline(form),
    }


@login_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The chain's own form page was merged into risks:form_detail; this address stays as a
    permanent redirect because notifications already sent store it."""
    return redirect("risks:form_detail", pk=pk, permanent=True)


@login_required
@require_POST
def form_act(request: HttpRequest, pk: int) -> HttpResponse:
    form = selectors.form_for_user(request.user, pk)
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
    try:
        result = services.form_transition(
            form=form,
            action=action,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            client_address=_client_address(request),
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
    form = selectors.form_for_user(request.user, pk)
    if not form.previous_version_id:
        raise Http404("此表没有上一版本。")
    previous = selectors.form_for_user(request.user, form.previous_version_id)
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
            client_address=_client_address(request),
        )
        if not chosen:
            messages.warning(request, "请先勾选要通过的一览表。")
        _report_batch(request, result, "审核通过")
        return _back_to_page(request, "workflow:review_queue")
    page = _queue_page(request, queue, decided=False)
    return render(
        request,
        "workflow/review_queue.html",
        {"page": page, "forms": page.object_list, "form": CommentForm()},
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
                client_address=_client_address(request),
            )
            result.done += one.done
            result.failed += one.failed
        if not chosen:
            messages.warning(request, "请先勾选要签字的一览表。")
        _report_batch(request, result, "签字")
        return _back_to_page(request, "workflow:sign_queue")
    page = _queue_page(request, queue, decided=True)
    return render(request, "workflow/sign_queue.html", {"page": page, "forms": page.object_list})


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
    form = selectors.form_for_user(request.user, pk)
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
                client_address=_client_address(request),
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
    result = services.rating_window_close(
        window=window, actor=request.user, client_address=_client_address(request)
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
            window=window, actor=request.user, client_address=_client_address(request)
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
        result = services.forms_transition(
            forms=[f for f in forms if f.pk in chosen],
            action=action,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            client_address=_client_address(request),
        )
        _report_batch(request, result, Action(action).label)
        return redirect("workflow:collective")
    return render(
        request,
        "workflow/collective.html",
        {
            "forms": forms,
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
                client_address=_client_address(request),
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
    page = Paginator(selectors.notice_register(request.user), REGISTER_PAGE_FORMS).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workflow/notice_register.html",
        {
            "page": page,
            "forms": selectors.with_notice(list(page.object_list)),
            "fileable": selectors.fileable_forms(request.user),
            "is_office": bool(selectors.office_units(request.user)),
        },
    )


@login_required
@require_GET
def filed_register(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.filed_register(request.user), REGISTER_PAGE_FORMS).get_page(
        request.GET.get("page")
    )
    return render(
        request, "workflow/filed_register.html", {"page": page, "forms": page.object_list}
    )


@login_required
@require_POST
def file_batch(request: HttpRequest) -> HttpResponse:
    _office_units_or_403(request)
    fileable = selectors.fileable_forms(request.user)
    chosen = set(_selected_ids(request))
    result = services.forms_transition(
        forms=[f for f in fileable if f.pk in chosen],
        action=Action.FILE,
        actor=request.user,
        client_address=_client_address(request),
    )
    _report_batch(request, result, "备案")
    return redirect("workflow:notice_register")


@login_required
@require_http_methods(["GET", "POST"])
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = selectors.form_for_user(request.user, pk)
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
    return render(
        request,
        "workflow/objections.html",
        {"objections": selectors.objections_for_office(request.user), "answer_form": AnswerForm()},
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
        messages.error(request, "请填写答复并选择结论。")
        return redirect("workflow:objections")
    try:
        services.objection_answer(
            objection=objection,
            actor=request.user,
            answer=answer_form.cleaned_data["answer"],
            upheld=answer_form.cleaned_data["upheld"],
            client_address=_client_address(request),
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
    if not may_see_board(request.user):
        raise PermissionDenied("进度看板仅供廉防办和纪检监督人员查看。")
    round_id = request.GET.get("round")
    chosen = (
        int(round_id) if round_id and round_id.isdigit() else (rounds[0].pk if rounds else None)
    )
    data = selectors.progress_board(user=request.user, round_id=chosen) if chosen else None
    return render(request, "workflow/board.html", {"rounds": rounds, "board": data})


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
