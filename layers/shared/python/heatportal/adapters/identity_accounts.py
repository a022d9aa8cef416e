"""Cognito admin operations for accounts: create users without Cognito's own
mails (we send our own codes), set and change passwords, look users up.

Every "does this user exist" answer stays on the server; routes built on these
methods answer the same whether or not a user exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from heatportal.domain.errors import Conflict, RateLimited, ValidationFailed


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _password_policy(error: ClientError) -> ValidationFailed:
    return ValidationFailed(
        "The password must have at least 8 characters, with lower-case letters and digits.",
        code="password_policy",
        fields=[{"field": "password", "code": "password_policy"}],
    )


class CognitoAccounts:
    def __init__(
        self,
        cognito: Any,
        user_pool_id: str,
        client_id: str,
        *,
        on_sign_out: Callable[[str], None] | None = None,
    ) -> None:
        self.cognito = cognito
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        # Told the user id (sub) before a sign-out everywhere, so that ID tokens,
        # which Cognito cannot revoke, are refused too (services.sessions).
        self.on_sign_out = on_sign_out

    def find_user(self, email: str) -> str | None:
        try:
            user = self.cognito.admin_get_user(UserPoolId=self.user_pool_id, Username=email)
        except ClientError as error:
            if _code(error) == "UserNotFoundException":
                return None
            raise
        return next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "sub"), None)

    def create_user(self, email: str, locale: str) -> str:
        try:
            resp = self.cognito.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    # Verified by our own e-mailed code before this call.
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "locale", "Value": locale},
                ],
                MessageAction="SUPPRESS",
            )
        except ClientError as error:
            if _code(error) != "UsernameExistsException":
                raise
            existing = self.find_user(email)
            if existing is None:  # deleted between the two calls
                raise
            return existing
        return next(a["Value"] for a in resp["User"]["Attributes"] if a["Name"] == "sub")

    def set_password(self, email: str, password: str) -> None:
        try:
            self.cognito.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=email, Password=password, Permanent=True
            )
        except ClientError as error:
            if _code(error) == "InvalidPasswordException":
                raise _password_policy(error) from error
            raise

    def password_matches(self, email: str, password: str) -> bool:
        try:
            self.cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as error:
            if _code(error) in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
                return False
            raise
        return True

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None:
        try:
            self.cognito.change_password(
                PreviousPassword=old_password, ProposedPassword=new_password, AccessToken=access_token
            )
        except ClientError as error:
            code = _code(error)
            if code == "InvalidPasswordException":
                raise _password_policy(error) from error
            if code == "LimitExceededException":
                raise RateLimited("Too many attempts.", code="rate_limited", params={"retry_after": 900}) from error
            if code == "NotAuthorizedException":
                raise ValidationFailed(
                    "The current password is wrong.",
                    code="old_password_wrong",
                    fields=[{"field": "old_password", "code": "old_password_wrong"}],
                ) from error
            raise

    def change_email(self, old_email: str, new_email: str) -> None:
        """Make ``new_email`` the user's (verified) e-mail and sign-in name."""
        try:
            self.cognito.admin_update_user_attributes(
                UserPoolId=self.user_pool_id,
                Username=old_email,
                UserAttributes=[
                    {"Name": "email", "Value": new_email},
                    # Verified by our own code sent to the new address.
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
        except ClientError as error:
            if _code(error) in {"AliasExistsException", "UsernameExistsException"}:
                raise Conflict("This e-mail address is already in use.", code="email_taken") from error
            raise

    def sign_out_user(self, email: str) -> None:
        """End every session of the user: refresh and access tokens revoked by
        Cognito, ID tokens refused from now on (``on_sign_out``)."""
        if self.on_sign_out is not None:
            user_id = self.find_user(email)
            if user_id is not None:
                self.on_sign_out(user_id)
        try:
            self.cognito.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=email)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise
