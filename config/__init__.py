"""The service's configuration, from environment variables."""

from config.settings import Settings, settings

__all__ = ["Settings", "settings"]
