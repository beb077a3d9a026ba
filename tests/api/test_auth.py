"""Tokens checked once are remembered (api/auth.py `_checked_claims`); what must still be checked on every use is."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from api.auth import Unauthenticated, issue_token, verify_token
from config.settings import Settings
from domain.actors import Role


def settings(secret: str) -> Settings:
    return Settings(_env_file=None, jwt_secret=secret)


def test_a_remembered_token_is_refused_once_it_has_expired() -> None:
    # Given a token good for two seconds, checked once (and so remembered)
    s = settings("a-secret-of-enough-length-for-hs256-0001")
    token = issue_token(s, "pm-1", Role.PROGRAMME_MANAGER, ttl=timedelta(seconds=2))
    assert verify_token(s, token).subject == "pm-1"
    # When it is sent again after it has expired
    time.sleep(2.1)
    # Then it is refused as expired
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(s, token)


def test_a_remembered_token_is_refused_under_another_key() -> None:
    # Given a token checked once under the key that signed it
    old = settings("a-secret-of-enough-length-for-hs256-0002")
    token = issue_token(old, "aud-1", Role.AUDITOR)
    assert verify_token(old, token).role is Role.AUDITOR
    # When the service's key changes, then the same token no longer passes
    with pytest.raises(Unauthenticated, match="Signature verification failed"):
        verify_token(settings("another-secret-of-enough-length-for-hs256"), token)


def test_a_forged_token_is_refused_every_time() -> None:
    forged = issue_token(settings("not-the-service-secret-but-long-enough-01"), "t-1", Role.TRAINEE)
    service = settings("a-secret-of-enough-length-for-hs256-0003")
    for _ in range(3):
        with pytest.raises(Unauthenticated, match="Signature verification failed"):
            verify_token(service, forged)
