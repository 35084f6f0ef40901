"""The second-opinion platform's service layer: the one place where requests, documents, opinions
and accounts change, permissions are checked and actions are audited.

Web routes (JSON API and pages) and the CLI call these functions; they never touch the store
directly. Every function takes the `Platform` context and, where a person acts, an `Actor`, and
returns pydantic views from `platform.views`. See docs/platform.md.
"""

from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.settings import PlatformSettings

__all__ = ["Actor", "Platform", "PlatformSettings"]
