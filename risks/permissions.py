"""Who may see and edit a risk form. Every view, export and report asks here.

`form_roles` gives the roles a person holds over one form; `can_view_form` / `can_edit_form`
decide from them; `forms_visible_to` is the same rule as a queryset filter, so lists are
filtered by permission before anything else. No access → the views answer 404; read but not
act → 403. The workflow's transition table decides who may act in the chain (workflow app).
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from risks.enums import SubjectKind
from risks.models import RiskForm
from units import roles
from units.enums import GrantedRole, PostTier, Role
from units.models import Person, Unit
from workflow.enums import FormState

# Roles that may read a form in any state (besides the unit members once it is published).
READER_ROLES = frozenset(
    {
        Role.FILLER,
        Role.DEPT_HEAD,
        Role.SUPERVISOR,
        Role.PRINCIPAL,
        Role.INTEGRITY_OFFICE,
        Role.INSPECTOR,
    }
)


def form_roles(person: Person | None, form: RiskForm) -> set[Role]:
    """Roles of a person over one form, from the org chart and grants (see units.roles)."""
    if person is None or not person.active:
        return set()
    h = roles.holdings(person)
    result = roles.roles_over_unit(person, form.unit)
    if form.filler_id == person.pk:
        result.add(Role.FILLER)
    if form.department_id in h.headed_department_ids:
        result.add(Role.DEPT_HEAD)
    if form.department_id in h.supervised_department_ids:
        result.add(Role.SUPERVISOR)
    # The principal supervises the other leaders' posts.
    if (
        form.subject_kind == SubjectKind.POST
        and form.post.tier == PostTier.LEADER
        and form.unit_id in h.principal_unit_ids
    ):
        result.add(Role.SUPERVISOR)
    return result


def can_view_form(user: User | AnonymousUser | None, form: RiskForm) -> bool:
    person = roles.person_for(user)
    held = form_roles(person, form)
    if held & READER_ROLES:
        return True
    if Role.LEADER in held and form.subject_kind == SubjectKind.LEADERSHIP:
        return True
    if Role.MEMBER in held and form.state in FormState.published():
        return True
    return in_rating_scope(person, form)


def can_edit_form(user: User | AnonymousUser | None, form: RiskForm) -> bool:
    """Only the filler, only while the form is in 自查填报 and is the current version."""
    person = roles.person_for(user)
    if person is None or form.filler_id != person.pk or form.state != FormState.DRAFT:
        return False
    return not RiskForm.objects.filter(previous_version=form).exists()


def _grant_units_q(person: Person, role: Role) -> Q:
    q = Q(pk__in=[])
    for granted, path, include_subunits in roles.holdings(person).grants:
        if granted == role:
            q |= Q(unit__path__startswith=path) if include_subunits else Q(unit__path=path)
    return q


def forms_visible_to(
    user: User | AnonymousUser | None, qs: QuerySet[RiskForm] | None = None
) -> QuerySet[RiskForm]:
    """The forms a user may read, as a queryset (the same rule as can_view_form)."""
    qs = RiskForm.objects.all() if qs is None else qs
    person = roles.person_for(user)
    if person is None:
        return qs.none()
    h = roles.holdings(person)
    department_ids = h.headed_department_ids | h.supervised_department_ids
    q = (
        Q(filler=person)
        | Q(department_id__in=department_ids)
        | Q(unit_id__in=h.principal_unit_ids)
        | Q(
            subject_kind=SubjectKind.POST,
            post__tier=PostTier.LEADER,
            unit_id__in=h.principal_unit_ids,
        )
        | Q(subject_kind=SubjectKind.LEADERSHIP, unit_id__in=h.leader_unit_ids)
        | Q(unit_id=person.unit_id, state__in=FormState.published())
        | _grant_units_q(person, Role.INTEGRITY_OFFICE)
        | _grant_units_q(person, Role.INSPECTOR)
        | _rating_scope_q(person)
    )
    return qs.filter(q)


def reads_every_form_in(user: User | AnonymousUser | None, units: list[Unit]) -> bool:
    """True when forms_visible_to(user) holds every form of every one of these units: the
    user is their integrity office, inspector (by grant, sub-units included where granted) or
    principal. Reports over such units may then skip the per-form rule; it is the same rule."""
    person = roles.person_for(user)
    if person is None or not units:
        return False
    whole_unit = {Role.INTEGRITY_OFFICE, Role.INSPECTOR, Role.PRINCIPAL}
    return all(roles.roles_over_unit(person, unit) & whole_unit for unit in units)


# 群众评议 (workflow): while a rating window is open, every active person in its scope (the
# department, or the whole unit) reads the forms in it, so they can rate them.


def _open_windows_for(person: Person) -> QuerySet:
    from workflow.models import RatingWindow

    return RatingWindow.objects.filter(closed_at__isnull=True, unit_id=person.unit_id).filter(
        Q(department__isnull=True) | Q(department_id=person.department_id)
    )


def in_rating_scope(person: Person | None, form: RiskForm) -> bool:
    if person is None or not person.active or form.state != FormState.MASS_REVIEW:
        return False
    return _open_windows_for(person).filter(forms=form).exists()


def _rating_scope_q(person: Person) -> Q:
    from workflow.models import RatingWindow

    in_window = RatingWindow.forms.through.objects.filter(
        ratingwindow__in=_open_windows_for(person)
    ).values("riskform_id")
    return Q(state=FormState.MASS_REVIEW, pk__in=in_window)


def units_coordinated_by(user: User | AnonymousUser | None) -> list[Unit]:
    """Units whose screening rounds the user runs as 廉防办."""
    return roles.granted_units(user, GrantedRole.INTEGRITY_OFFICE)


def units_with_board(user: User | AnonymousUser | None) -> list[Unit]:
    """Units whose progress board (进度看板) the user opens: as their 廉防办 or their 纪检."""
    seen = {u.pk: u for u in units_coordinated_by(user)}
    for unit in roles.granted_units(user, GrantedRole.INSPECTOR):
        seen.setdefault(unit.pk, unit)
    return list(seen.values())


def may_see_board(user: User | AnonymousUser | None) -> bool:
    return bool(units_with_board(user))


# --- Rounds and fillers: the integrity office of the form's unit runs them. -------------------


def can_manage_round(user: User | AnonymousUser | None, unit: Unit) -> bool:
    """May open screening rounds for `unit`, see its round pages and (re)create their forms."""
    person = roles.person_for(user)
    return Role.INTEGRITY_OFFICE in roles.roles_over_unit(person, unit)


def can_reassign_filler(user: User | AnonymousUser | None, form: RiskForm) -> bool:
    """The integrity office reassigns the filler of a form while it is still in 自查填报."""
    return form.state == FormState.DRAFT and can_manage_round(user, form.unit)


def may_manage_risk_library(user: User | AnonymousUser | None) -> bool:
    """The integrity office keeps the risk library (in the admin)."""
    return roles.may_manage_risk_library(user)


def may_browse_forms(user: User | AnonymousUser | None) -> bool:
    """Whether the user reads other people's forms at all (for navigation only: the list itself
    is always filtered by forms_visible_to)."""
    person = roles.person_for(user)
    if person is None:
        return False
    h = roles.holdings(person)
    return bool(
        h.headed_department_ids
        or h.supervised_department_ids
        or h.principal_unit_ids
        or h.leader_unit_ids
        or any(
            role in (GrantedRole.INTEGRITY_OFFICE, GrantedRole.INSPECTOR)
            for role, _path, _sub in h.grants
        )
    )


# --- Unit reports: the register (台账) and the quarterly summary (季度汇总). -------------------
# Who may open a unit's report at all; which rows it shows is still forms_visible_to's answer.

# Members read their unit's published register; 廉防办 and 纪检 the units granted to them.
REGISTER_READER_ROLES = frozenset(
    {Role.MEMBER, Role.PRINCIPAL, Role.LEADER, Role.INTEGRITY_OFFICE, Role.INSPECTOR}
)
# The quarterly summary is for discipline inspection, its office and the principal.
QUARTERLY_READER_ROLES = frozenset({Role.INSPECTOR, Role.INTEGRITY_OFFICE, Role.PRINCIPAL})


def can_read_register(user: User | AnonymousUser | None, unit: Unit) -> bool:
    """May open the unit's register (台账) and its bound volume (资料汇编)."""
    person = roles.person_for(user)
    return bool(roles.roles_over_unit(person, unit) & REGISTER_READER_ROLES)


def can_read_quarterly(user: User | AnonymousUser | None, unit: Unit) -> bool:
    """May open the unit's quarterly summary (季度汇总)."""
    person = roles.person_for(user)
    return bool(roles.roles_over_unit(person, unit) & QUARTERLY_READER_ROLES)
