"""Registering webhook endpoints and redelivering."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from kirab.audit.services import record
from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Region
from kirab.webhooks.models import HookStatus, WebhookDelivery, WebhookEndpoint


class EndpointRefused(DomainError):
    """An endpoint that cannot be registered."""


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes them: ``whsec_`` and 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_url(url: str) -> str:
    """An http(s) URL with a host, at most 500 characters."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused(_l("Enter an http:// or https:// address."), field="url")
    return url


def check_regions(codes) -> list[str]:
    """Known region codes, each once."""
    cleaned = sorted({code.strip() for code in codes if code and code.strip()})
    for code in cleaned:
        if db.session.get(Region, code) is None:
            raise EndpointRefused(_l("Unknown region: %(code)s", code=code), field="regions")
    return cleaned


def add_endpoint(url: str, region_codes, *, actor, now: datetime) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it and its secret (shown only now)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=check_url(url), secret=secret, region_codes=" ".join(check_regions(region_codes)),
        created_at=now, created_by_id=getattr(actor, "id", None),
    )  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    record(actor, "webhook.create", endpoint, url=endpoint.url, regions=endpoint.region_codes)
    return endpoint, secret


def redeliver(delivery: WebhookDelivery, *, actor, now: datetime) -> None:
    """Post the delivery again soon, with the same id and body; a disabled endpoint comes back."""
    delivery.status = HookStatus.PENDING
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    endpoint = delivery.endpoint
    if not endpoint.active:
        endpoint.active, endpoint.disabled_at, endpoint.failing_since = True, None, None
    db.session.flush()
    record(actor, "webhook.redeliver", endpoint, delivery=delivery.key)
