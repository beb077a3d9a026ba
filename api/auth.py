"""Bearer JWTs: who is calling (subject), in which role, and for trainees, which trainee they are.

HS256 with a shared secret (generated into the data folder when none is configured) or RS256 with a public key.
Tokens carry issuer and audience, and must not be expired; the `system` role is never accepted from outside.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict

from config.settings import Settings
from domain.actors import Actor, Role

ISSUER = "gmts"
AUDIENCE = "trainee-journeys"
EXTERNAL_ROLES = frozenset(Role) - {Role.SYSTEM}


class Unauthenticated(Exception):
    """No token, or a token that is forged, expired or malformed (401)."""


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    trainee_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject, role=self.role)


def _secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    return _generated_secret(settings.data_dir.resolve() / "jwt-secret")


@cache
def _generated_secret(path: Path) -> str:
    """Read once per process: every request verifies its token, and the API does that on its event loop."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _keys(settings: Settings) -> tuple[str, str]:
    """(signing key, verifying key) for the configured algorithm."""
    if settings.jwt_algorithm == "RS256":
        return settings.jwt_private_key or "", settings.jwt_public_key or ""
    secret = _secret(settings)
    return secret, secret


def issue_token(
    settings: Settings,
    subject: str,
    role: Role,
    *,
    trainee_id: str | None = None,
    ttl: timedelta = timedelta(hours=8),
) -> str:
    if role is Role.SYSTEM:
        raise ValueError("the system role is never issued")
    if role is Role.TRAINEE and not trainee_id:
        trainee_id = subject
    signing, _ = _keys(settings)
    if not signing:
        raise ValueError("RS256 needs GMTS_JWT_PRIVATE_KEY to issue tokens")
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": role.value,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
    }
    if trainee_id:
        claims["trainee_id"] = trainee_id
    return jwt.encode(claims, signing, algorithm=settings.jwt_algorithm)


@lru_cache(maxsize=4096)
def _checked_claims(token: str, key: str, algorithm: str) -> Mapping[str, Any]:
    """A token's claims once its signature, issuer, audience and times check out with `key`.

    Remembered per token and key: a client sends the same token with every request, and PyJWT re-reads the key
    each time (about 5% of the service's CPU per command, figures in the commit that added this). Only a token
    that passed is remembered, and `verify_token` checks its expiry again on every use: a signature, issuer,
    audience, issue time or not-before time that was good stays good.
    """
    return MappingProxyType(
        jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    )


def verify_token(settings: Settings, token: str) -> Principal:
    _, verifying = _keys(settings)
    try:
        claims = _checked_claims(token, verifying, settings.jwt_algorithm)
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired: ask for a new one") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not valid: {exc}") from None
    if claims["exp"] <= time.time():  # checked when first seen; it may have expired since
        raise Unauthenticated("the token has expired: ask for a new one")
    role = claims.get("role")
    if role not in {r.value for r in EXTERNAL_ROLES}:
        raise Unauthenticated(
            f"the token's role {role!r} is not one of {', '.join(sorted(r.value for r in EXTERNAL_ROLES))}"
        )
    trainee_id = claims.get("trainee_id")
    if role == Role.TRAINEE.value and not trainee_id:
        raise Unauthenticated("a trainee's token must name their trainee_id")
    return Principal(subject=str(claims["sub"]), role=Role(role), trainee_id=trainee_id)
