"""The lockout bypass of the penetration test: someone else's good login must not reset the
failures counted against another account or against the address."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str, address: str = "10.9.9.9"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_good_logins_of_another_account_do_not_reset_a_guessing_run(demo, demo_password):
    attacker = Client()
    statuses = []
    for _round in range(4):
        for _guess in range(4):
            statuses.append(_login(attacker, "demo_staff2", "wrong-password").status_code)
        # A good login as someone else from the same address, between the rounds.
        _login(Client(), "demo_head", demo_password)

    # The fifth wrong password locked demo_staff2 (and the address): no 16 guesses.
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429
    assert set(statuses[5:]) == {429}
    refused = _login(Client(), "demo_staff2", demo_password, address="10.8.8.8")
    assert refused.status_code == 429


def test_a_success_clears_only_its_own_failures(demo, demo_password):
    for _ in range(2):
        _login(Client(), "demo_staff2", "wrong-password")
    for _ in range(2):
        _login(Client(), "demo_head", "wrong-password")

    assert _login(Client(), "demo_head", demo_password).status_code == 302

    # demo_head starts afresh: four more failures do not lock him.
    for _ in range(4):
        assert (
            _login(Client(), "demo_head", "wrong-password", address="10.7.7.7").status_code == 200
        )
    # demo_staff2's two failures are still counted: three more lock the account.
    statuses = [
        _login(Client(), "demo_staff2", "wrong-password", address="10.6.6.6").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_address_keeps_counting_after_a_good_login_from_it(demo, demo_password):
    for n in range(3):
        _login(Client(), f"nobody-{n}", "wrong-password")
    assert _login(Client(), "demo_head", demo_password).status_code == 302

    statuses = [_login(Client(), f"other-{n}", "wrong-password").status_code for n in range(2)]

    assert statuses == [200, 429]
    assert _login(Client(), "demo_leader", demo_password).status_code == 429
