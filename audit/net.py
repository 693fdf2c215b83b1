"""The client address of a request, the same for the audit log and for login lockout.

Without a proxy it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT reverse proxies that each append
to X-Forwarded-For, it is the entry that the outermost trusted proxy appended; entries further
left were sent by the client and cannot be trusted.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    meta = getattr(request, "META", {})
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [p for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            found = _valid(forwarded[-proxies])
            if found:
                return found
    return _valid(meta.get("REMOTE_ADDR", "") or "")
