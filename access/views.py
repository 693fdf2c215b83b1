"""The grants page (授权管理): 廉防办 registers and revokes 委托 for their units, 纪检 grants and
revokes 特别授权. Nobody else reaches it (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from access import rules, selectors, services
from access.forms import DelegationForm, ReadGrantForm
from access.models import FormReadGrant, UnitReadGrant
from audit.net import client_address


def _page(request: HttpRequest, *, delegation_form=None, read_form=None, status=200):
    office_units = rules.units_delegations_managed(request.user)
    inspector_units = rules.units_read_grants_managed(request.user)
    if not office_units and not inspector_units:
        raise PermissionDenied("只有廉防办和纪检监督人员可以管理授权。")
    context = {"office_units": office_units, "inspector_units": inspector_units}
    if office_units:
        context["delegations"] = list(selectors.delegations_for(request.user))
        context["delegation_form"] = delegation_form or DelegationForm(units=office_units)
    if inspector_units:
        context["read_grants"] = selectors.read_grants_for(request.user)
        context["read_form"] = read_form or ReadGrantForm(units=inspector_units)
    return render(request, "access/grants.html", context, status=status)


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
@require_GET
def grants(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def delegation_add(request: HttpRequest) -> HttpResponse:
    units = rules.units_delegations_managed(request.user)
    if not units:
        raise PermissionDenied("只有廉防办可以登记委托。")
    form = DelegationForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.delegation_grant(
                by=request.user,
                delegator=form.cleaned_data["delegator"],
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                note=form.cleaned_data["note"],
                client_address=client_address(request),
            )
        except ValidationError as exc:
            form.add_error(None, _messages(exc))
        else:
            messages.success(request, "委托已登记。")
            return redirect("access:grants")
    return _page(request, delegation_form=form, status=400)


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.delegations_for(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404("没有找到该委托。")
    services.delegation_revoke(
        by=request.user, delegation=row, client_address=client_address(request)
    )
    messages.success(request, "委托已撤销。")
    return redirect("access:grants")


@login_required
@require_POST
def read_grant_add(request: HttpRequest) -> HttpResponse:
    units = rules.units_read_grants_managed(request.user)
    if not units:
        raise PermissionDenied("只有纪检监督人员可以特别授权。")
    form = ReadGrantForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.read_grant_grant(
                by=request.user,
                grantee=form.cleaned_data["grantee"],
                unit=form.cleaned_data.get("unit"),
                form=form.cleaned_data.get("form"),
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                note=form.cleaned_data["note"],
                client_address=client_address(request),
            )
        except ValidationError as exc:
            form.add_error(None, _messages(exc))
        else:
            messages.success(request, "特别授权已登记。")
            return redirect("access:grants")
    return _page(request, read_form=form, status=400)


@login_required
@require_POST
def read_grant_revoke(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"unit": UnitReadGrant, "form": FormReadGrant}.get(kind)
    if model is None:
        raise Http404("没有找到该授权。")
    row = next(
        (g for g in selectors.read_grants_for(request.user) if isinstance(g, model) and g.pk == pk),
        None,
    )
    if row is None:
        raise Http404("没有找到该授权。")
    services.read_grant_revoke(by=request.user, grant=row, client_address=client_address(request))
    messages.success(request, "特别授权已撤销。")
    return redirect("access:grants")
