"""The client's address, as rate limits and the device list need it.

``X-Forwarded-For`` is trusted only when the request comes from a configured proxy
(``COOPOS_SERVER_TRUSTED_PROXIES``, or ``coopos server --trusted-proxy``): addresses or
networks such as ``127.0.0.1`` or ``10.0.0.0/8``.  The header is read from the right,
skipping the trusted proxies: the first other address is the client as the outermost
trusted proxy saw it.  Anything a client writes into the header itself is further left
and never reached.  With no proxy configured the header is ignored.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable

from fastapi import Request

from coopos.domain.errors import ValidationError
from coopos.i18n import _

PROXIES_ENV = "COOPOS_SERVER_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(values: Iterable[str] | str | None) -> tuple[Network, ...]:
    """Networks from a list or a comma-separated text (``None``: the environment)."""
    if values is None:
        values = os.environ.get(PROXIES_ENV, "")
    if isinstance(values, str):
        values = values.split(",")
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValidationError(
                _("“{value}” is not an address or a network such as 10.0.0.0/8.", value=value)
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    proxies: tuple[Network, ...] = getattr(request.app.state, "trusted_proxies", ())
    if not _trusted(_address(peer), proxies):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    nearest = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return nearest  # garbage: the last address a trusted proxy vouched for
        if not _trusted(address, proxies):
            return str(address)
        nearest = str(address)
    return nearest
