"""A Cognito stand-in (``services.accounts.IdentityAdmin``): users by e-mail
with a sub and a password."""

from __future__ import annotations

import uuid

from heatportal.domain.errors import Conflict, Unauthorized, ValidationFailed
from heatportal.services.accounts import IdentityAdmin


class FakeIdentityAdmin(IdentityAdmin):
    def __init__(self) -> None:
        self.users: dict[str, dict[str, str]] = {}
        self.signed_out: list[str] = []
        self.fail_set_password: list[Exception] = []

    def add_user(self, email: str, password: str) -> str:
        sub = str(uuid.uuid4())
        self.users[email] = {"sub": sub, "password": password, "locale": "en"}
        return sub

    def find_user(self, email: str) -> str | None:
        user = self.users.get(email)
        return user["sub"] if user else None

    def create_user(self, email: str, locale: str) -> str:
        if email in self.users:
            return self.users[email]["sub"]
        sub = str(uuid.uuid4())
        self.users[email] = {"sub": sub, "password": "", "locale": locale}
        return sub

    def set_password(self, email: str, password: str) -> None:
        if self.fail_set_password:
            raise self.fail_set_password.pop(0)
        if not any(c.isdigit() for c in password):
            raise ValidationFailed("policy", code="password_policy")
        self.users[email]["password"] = password

    def password_matches(self, email: str, password: str) -> bool:
        user = self.users.get(email)
        return bool(user and user["password"] and user["password"] == password)

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None:
        email = access_token  # the fake's access token is the e-mail
        if not self.password_matches(email, old_password):
            raise ValidationFailed("wrong", code="old_password_wrong")
        self.users[email]["password"] = new_password

    def sign_out_user(self, email: str) -> None:
        self.signed_out.append(email)

    def change_email(self, old_email: str, new_email: str) -> None:
        if new_email in self.users:
            raise Conflict("taken", code="email_taken")
        self.users[new_email] = self.users.pop(old_email)

    def authenticate(self, username: str, password: str) -> str:
        """Stands in for CognitoIdentity.login: returns a token-ish string."""
        if not self.password_matches(username, password):
            raise Unauthorized("E-mail or password is wrong.", code="login_failed")
        return f"tokens-for-{username}"
