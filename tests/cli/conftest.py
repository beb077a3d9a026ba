"""The CLI's operation tests use the same running API as the API tests."""

from tests.api.conftest import api

__all__ = ["api"]
