"""Cognito user pool: sign-in, refresh, sign-out, and JWT verification.

Passwords never touch our storage; Cognito holds them. Token verification
uses the pool's published JWKS (fetched once per container and cached).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from heatportal.domain.errors import Unauthorized


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a token just received from Cognito itself (its issue time
    and subject), read without verifying: never use on a token a client sent."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise Unauthorized("Please log in again.", code="session_expired") from error
    return claims if isinstance(claims, dict) else {}


class CognitoIdentity:
    def __init__(self, cognito: Any, user_pool_id: str, client_id: str) -> None:
        self.cognito = cognito
        self.user_pool_id = user_pool_id
        self.client_id = client_id

    def login(self, username: str, password: str) -> Tokens:
        try:
            resp = self.cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
                # One answer for every cause: no account enumeration.
                raise Unauthorized("E-mail or password is wrong.", code="login_failed") from error
            raise
        result = resp["AuthenticationResult"]
        return Tokens(
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )

    def refresh(self, refresh_token: str) -> Tokens:
        try:
            resp = self.cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as error:
            raise Unauthorized("Your session has expired. Please log in again.", code="session_expired") from error
        result = resp["AuthenticationResult"]
        return Tokens(
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=result.get("RefreshToken", refresh_token),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )

    def logout_everywhere(self, access_token: str) -> None:
        try:
            self.cognito.global_sign_out(AccessToken=access_token)
        except ClientError as error:
            raise Unauthorized("Your session has expired.", code="session_expired") from error

    def sign_out_user(self, username: str) -> None:
        """Revoke every refresh and access token of the user (all devices).

        The admin call is signed, so it also reaches the right pool where an
        unsigned GlobalSignOut cannot name its region (the local moto server)."""
        try:
            self.cognito.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username)
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                raise Unauthorized("Your session has expired.", code="session_expired") from error
            raise

    # The language a person chose lives in the user's standard ``locale``
    # attribute, so it follows them to every browser and device.
    def remember_locale(self, username: str, locale: str) -> None:
        try:
            self.cognito.admin_update_user_attributes(
                UserPoolId=self.user_pool_id,
                Username=username,
                UserAttributes=[{"Name": "locale", "Value": locale}],
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                raise Unauthorized("Please log in.", code="unauthorized") from error
            raise

    def locale_of(self, username: str) -> str | None:
        try:
            user = self.cognito.admin_get_user(UserPoolId=self.user_pool_id, Username=username)
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                return None
            raise
        return next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "locale"), None)


class JwtVerifier:
    """Verifies Cognito ID tokens against the pool's JWKS."""

    def __init__(self, issuer: str, client_id: str, jwks_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        self._keys: KeySet | None = None

    def _key_set(self) -> KeySet:
        if self._keys is None:
            with urllib.request.urlopen(self.jwks_url, timeout=5) as resp:  # noqa: S310 - fixed https/loopback URL
                self._keys = KeySet.import_key_set(json.loads(resp.read()))
        return self._keys

    def verify(self, token: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._key_set(), algorithms=["RS256"])
        except (JoseError, ValueError) as error:
            raise Unauthorized("Your session is not valid. Please log in again.", code="session_expired") from error
        claims = dict(decoded.claims)
        if claims.get("token_use") != "id":
            raise Unauthorized("Wrong token type.", code="session_expired")
        if claims.get("exp", 0) < time.time():
            raise Unauthorized("Your session has expired. Please log in again.", code="session_expired")
        if claims.get("iss") != self.issuer:
            raise Unauthorized("Token was not issued by our user pool.", code="session_expired")
        audience = claims.get("aud")
        if audience != self.client_id:
            raise Unauthorized("Token was not issued for this application.", code="session_expired")
        return claims
