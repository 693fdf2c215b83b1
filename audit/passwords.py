"""Password policy (身份鉴别): AUTH_PASSWORD_VALIDATORS with Chinese messages.

- at least 10 characters and three of four character classes (lower case, upper case, digits,
  other characters);
- not the user name, nor too similar to it or to the person's name or e-mail;
- not a commonly used password (Django's list of 20,000 plus passwords common in China).
"""

import re

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    UserAttributeSimilarityValidator,
)
from django.core.exceptions import ValidationError

# Passwords that Chinese password dumps show again and again and that pass the class rule.
COMMON_IN_CHINA = {
    "1qaz@wsx3edc",
    "1qaz2wsx3edc",
    "1qaz!qaz2wsx",
    "qwer1234!@#$",
    "qwe123!@#qwe",
    "abc@1234567",
    "abc@12345678",
    "abcd@123456",
    "admin@12345",
    "admin@123456",
    "admin123456!",
    "p@ssw0rd123",
    "password@123",
    "woaini1314!",
    "woaini@1314",
    "aa123456789",
    "a123456789!",
    "qq123456789",
    "zxcvbnm123!",
    "asdf@123456",
}


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password) or any(not c.isascii() for c in password),
        )
    )


class ComplexityValidator:
    """Length and character classes, the core of the policy."""

    def __init__(self, min_length: int = 10, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    "密码太短：至少需要 %(min_length)d 个字符。",
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if _classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    "密码需要包含小写字母、大写字母、数字、其他符号这四类中的至少 %(n)d 类。",
                    code="password_too_simple",
                    params={"n": self.min_classes},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (
            f"密码至少 {self.min_length} 个字符，并包含小写字母、大写字母、数字、其他符号"
            f"中的至少 {self.min_classes} 类。"
        )


class SimilarityValidator(UserAttributeSimilarityValidator):
    """Not the user name (forwards or backwards, in any case) and not close to personal data."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        lowered = password.lower()
        if username and len(username) >= 3 and (username in lowered or username[::-1] in lowered):
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")
        super().validate(password, user)

    def get_error_message(self) -> str:
        return "密码与%(verbose_name)s过于相似。"

    def get_help_text(self) -> str:
        return "密码不能包含用户名，也不能与姓名、邮箱等个人信息相近。"


class CommonValidator(CommonPasswordValidator):
    """Common passwords, and a common word dressed up with trailing digits and symbols
    ("Password123!", "Monkey2026#")."""

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower().strip()
        dressed = re.fullmatch(r"([a-z]{4,})[^a-z]*", lowered)
        if lowered in COMMON_IN_CHINA or (dressed and dressed.group(1) in self.passwords):
            raise ValidationError(self.get_error_message(), code="password_too_common")
        super().validate(password, user)

    def get_error_message(self) -> str:
        return "这个密码太常见，容易被猜中，请换一个。"

    def get_help_text(self) -> str:
        return "不能使用常见密码。"
