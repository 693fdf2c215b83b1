"""The password policy: length, character classes, not like the user name, not common."""

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def _errors(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_password_policy_accepts_a_strong_password():
    assert _errors("Lianzheng#2026qx", User(username="gyrc-000101")) == []


def test_password_policy_refuses_short_password_in_chinese():
    assert any("至少需要 10 个字符" in m for m in _errors("Ab1#xyz9"))


@pytest.mark.parametrize(
    "password", ["abcdefghijkl", "abcdefgh1234", "ABCDEFGH!@#$", "1234567890!!"]
)
def test_password_policy_refuses_fewer_than_three_classes(password):
    assert any("至少 3 类" in m for m in _errors(password))


@pytest.mark.parametrize(
    "password", ["abcdEFGH1234", "abcdefgh12#$", "ABCD1234#$%^", "密码很长Abc12"]
)
def test_password_policy_accepts_three_classes(password):
    assert not any("至少 3 类" in m for m in _errors(password))


def test_password_policy_refuses_the_user_name():
    user = User(username="gyrc-000101")
    messages = _errors("Gyrc-000101!x", user)
    assert "密码不能包含用户名。" in messages


def test_password_policy_refuses_close_to_the_user_name():
    user = User(username="zhangsanfeng", email="zhangsanfeng@example.gov.cn")
    assert any("过于相似" in m for m in _errors("Zhangsanfen9!", user))


@pytest.mark.parametrize(
    "password", ["Password123!", "Monkey2026#", "P@ssw0rd123", "1qaz@WSX3edc", "Admin@123456"]
)
def test_password_policy_refuses_common_passwords(password):
    assert "这个密码太常见，容易被猜中，请换一个。" in _errors(password)


def test_password_policy_help_text_is_chinese(settings):
    from django.contrib.auth.password_validation import password_validators_help_texts

    texts = " ".join(password_validators_help_texts())
    assert "至少 10 个字符" in texts and "常见密码" in texts and "用户名" in texts
