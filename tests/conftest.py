"""Shared fixtures: the demo organisation and its personas, used by every view test."""

import pytest
from django.contrib.auth.models import User
from django.test.client import ClientMixin

from units.demo import DEMO_PASSWORD, load_demo_org

PERSONAS = {
    "staff": "demo_staff",
    "staff2": "demo_staff2",
    "head": "demo_head",
    "leader": "demo_leader",
    "principal": "demo_principal",
    "office": "demo_office",
    "inspector": "demo_inspector",
    "admin": "demo_admin",
    "auditor": "demo_audit",
}


_force_login = ClientMixin.force_login


def _force_login_past_the_second_factor(self, user, backend=None):
    """`client.force_login` stands for a finished login: password and, where the person has
    or needs one, the second factor (audit/mfa.py). Tests of the second factor log in through
    the login form instead."""
    from audit.mfa import SESSION_MFA_PENDING

    _force_login(self, user, backend)
    session = self.session
    if session.pop(SESSION_MFA_PENDING, None):
        session["otp_device_id"] = "test.force_login"
        session.save()


@pytest.fixture(autouse=True)
def _logins_pass_the_second_factor(monkeypatch):
    monkeypatch.setattr(ClientMixin, "force_login", _force_login_past_the_second_factor)


@pytest.fixture
def demo(db):
    """The GYRC demo organisation (with GYRC-LZ) loaded; returns {persona: User}."""
    load_demo_org()
    return {key: User.objects.get(username=name) for key, name in PERSONAS.items()}


@pytest.fixture
def outsider(db, demo):
    """A person of the sub-unit GYRC-LZ with no role over GYRC."""
    return User.objects.get(person__unit__code="GYRC-LZ", person__employee_no="LZ0004")


@pytest.fixture
def login(client):
    """Log the client in as a user (demo accounts share one password)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD
