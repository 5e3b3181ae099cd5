"""A static token credential for azure-ai-ml / azure-core clients pointed at the fake service."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .server import TENANT_ID, make_fake_jwt

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken


class StaticTokenCredential:
    """``TokenCredential`` returning a fake JWT (with ``tid``) for any scope; counts calls for assertions."""

    def __init__(self, tenant_id: str = TENANT_ID) -> None:
        self.tenant_id = tenant_id
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken  # azure-core only when a client actually asks

        self.calls += 1
        scope = scopes[0] if scopes else "https://management.azure.com/.default"
        audience = scope[: -len("/.default")] if scope.endswith("/.default") else scope
        return AccessToken(make_fake_jwt(audience, tenant_id=self.tenant_id), int(time.time()) + 3600)

    def close(self) -> None:
        pass
