"""The harvester's network calls: the shared guarded client (``ckanext/jena/net.py``) under the
harvester's allow-list (``ckanext.jena.harvest.allowed_hosts``), time and size limits.

By default a source may not point at loopback, link-local, private or other non-public
addresses (a harvest source must not become a way to probe the city's internal hosts); the
allow-list opens named hosts, addresses or CIDR ranges, each optionally on one port only."""
from __future__ import annotations

from typing import Optional

from ckan.plugins import toolkit

from ckanext.jena import net, settings
from ckanext.jena.net import Answer, NetError as FetchError  # noqa: F401 - the harvester's names for them

USER_AGENT = "ckanext-jena harvester (WISSENsAllmende Jena)"
HARVEST_ALLOWED_HOSTS = "ckanext.jena.harvest.allowed_hosts"


def max_bytes() -> int:
    return toolkit.asint(settings.get("ckanext.jena.harvest.max_bytes"))


def timeout() -> float:
    return float(settings.get("ckanext.jena.harvest.timeout"))


def check_url(url: str) -> None:
    """Raise FetchError unless ``url`` is a well-formed http(s) address whose host is public or
    allow-listed (a source's form: an allow-listed name is not looked up)."""
    net.check(url, HARVEST_ALLOWED_HOSTS, resolve_allowed_names=False)


def get(url: str, params: Optional[dict] = None, accept: Optional[str] = None,
        limit: Optional[int] = None) -> Answer:
    """GET ``url``; FetchError for refused addresses, network failures, HTTP errors, an answer
    over the size limit or one that takes longer than the time limit as a whole."""
    return net.get(url, allowed_hosts_key=HARVEST_ALLOWED_HOSTS, seconds=timeout(), limit=limit or max_bytes(),
                   params=params, accept=accept, user_agent=USER_AGENT, limit_key="ckanext.jena.harvest.max_bytes")


def get_json(url: str, params: Optional[dict] = None, limit: Optional[int] = None):
    return net.get_json(url, allowed_hosts_key=HARVEST_ALLOWED_HOSTS, seconds=timeout(),
                        limit=limit or max_bytes(), params=params, user_agent=USER_AGENT,
                        limit_key="ckanext.jena.harvest.max_bytes")
