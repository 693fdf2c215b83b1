"""Account views with a security side: the password change (audited, lifts a forced change),
the second factor (verify, enrol, 账号安全) and the two-person procedure (双人审批)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from audit import duties, mfa, selectors, services
from audit.enums import AuditAction
from audit.forms import DecisionForm, DualRequestForm, TokenForm
from audit.models import DualControlState


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (which keeps this session and, by changing the session hash, ends every
    other session of the account), plus the audit row and the end of a forced change."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed_by_holder(request=self.request, user=form.user)
        return response

    def form_invalid(self, form):
        services.password_change_failed(
            request=self.request, user=form.user, fields=list(form.errors)
        )
        return super().form_invalid(form)


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows instead of the login page while a lockout lasts (HTTP 429)."""
    return render(
        request,
        "audit/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


# --- Second factor -----------------------------------------------------------------------------

SESSION_ENROL_KEY = "audit.mfa_enrol_key"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the authenticator app or a recovery code."""
    if request.session.get(mfa.SESSION_MFA_PENDING) != mfa.PENDING_VERIFY:
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.second_factor_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", "验证码不正确或已过期，请重新输入。多次输错后需等待片刻再试。")
    return render(
        request, "audit/mfa_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator app: scan the QR code (or type the secret), confirm with a code;
    the recovery codes are shown once at the end."""
    if request.session.get(mfa.SESSION_MFA_PENDING) == mfa.PENDING_VERIFY:
        # Someone who has a device proves it first; enrolling anew is no way around it.
        return redirect("mfa_verify")
    # The secret lives in the session until confirmed: showing the page writes nothing.
    key = request.session.get(SESSION_ENROL_KEY)
    if not key:
        key = request.session[SESSION_ENROL_KEY] = mfa.enrolment_key()
    device = mfa.enrolment_device(user=request.user, key=key)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.enrolment_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            request.session.pop(SESSION_ENROL_KEY, None)
            return render(request, "audit/mfa_codes.html", {"codes": codes, "enrolled": True})
        form.add_error("token", "验证码不正确，请核对手机时间后输入应用中当前显示的 6 位数字。")
    return render(
        request,
        "audit/mfa_enrol.html",
        {
            "form": form,
            "qr": mfa.qr_data_uri(device),
            "secret": mfa.secret_base32(device),
            "required": mfa.mfa_required(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request: HttpRequest) -> HttpResponse:
    """账号安全: the second factor's state; new recovery codes; removing an optional device."""
    user = request.user
    required = mfa.mfa_required(user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "codes" and mfa.totp_device(user):
            codes = mfa.recovery_codes_issue(user=user)
            services.audit_record(request=request, action=AuditAction.MFA_RECOVERY_CODES, obj=user)
            return render(request, "audit/mfa_codes.html", {"codes": codes, "enrolled": False})
        if action == "remove" and not required:
            mfa.devices_remove(user=user)
            services.audit_record(
                request=request, action=AuditAction.MFA_ENROL, obj=user, details={"removed": True}
            )
            messages.success(request, "已解除动态口令，今后登录只需密码。")
            return redirect("account_security")
        if action == "remove":
            messages.error(request, "您的角色必须使用动态口令，不能解除；更换手机请重新绑定。")
            return redirect("account_security")
        return HttpResponseBadRequest("无法识别的操作。")
    return render(
        request,
        "audit/account_security.html",
        {
            "required": required,
            "device": mfa.totp_device(user),
            "codes_left": mfa.recovery_codes_left(user),
        },
    )


# --- The two-person procedure ------------------------------------------------------------------


def _dual_units_or_404(request: HttpRequest):
    units = selectors.dual_control_units(request.user)
    if not units.exists():
        raise Http404
    return units


@login_required
@require_http_methods(["GET", "POST"])
def dual_list(request: HttpRequest) -> HttpResponse:
    """双人审批: the requests of one's units, and a form to ask for one."""
    units = _dual_units_or_404(request)
    form = DualRequestForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dual = services.dual_request_create(
                request=request,
                kind=data["kind"],
                target=data["username"],
                role=data.get("role") or "",
                unit=data.get("unit"),
                include_subunits=data.get("include_subunits", False),
                reason=data["reason"],
            )
        except services.DualControlRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"申请已提交（第 {dual.pk} 号），等待审批人批准。")
            return redirect("dual_detail", pk=dual.pk)
    requests = selectors.dual_requests_for(request.user)[:200]
    return render(
        request,
        "audit/dual_list.html",
        {
            "form": form,
            "requests": [(r, duties.may_approve(request.user, r)) for r in requests],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dual_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dual = get_object_or_404(selectors.dual_requests_for(request.user), pk=pk)
    may_decide = dual.state == DualControlState.PENDING and duties.may_approve(request.user, dual)
    form = DecisionForm(request.POST or None)
    temporary = None
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                temporary = services.dual_request_decide(
                    request=request,
                    dual=dual,
                    approve=request.POST.get("decision") == "approve",
                    note=form.cleaned_data["note"],
                )
            except services.DualControlRefused as exc:
                messages.error(request, str(exc))
                return redirect("dual_detail", pk=dual.pk)
            dual.refresh_from_db()
            may_decide = False
            messages.success(request, f"已{dual.get_state_display()}。")
    return render(
        request,
        "audit/dual_detail.html",
        {"dual": dual, "may_decide": may_decide, "form": form, "temporary": temporary},
    )
