"""The harvester's only way onto the network: http(s) GETs with a time limit, a size limit and
redirects followed hop by hop, each hop's address checked against the allow-list.

By default a source may not point at loopback, link-local or private addresses (a harvest source
must not become a way to probe the city's internal hosts); ``ckanext.jena.harvest.allowed_hosts``
opens named hosts, addresses or CIDR ranges. A host name that resolves to an internal address is
refused like the address itself.

Other capabilities that fetch what users typed (the explainers' resource profiling) use the same
code under their own allow-list and time limit: ``with fetch.rules("ckanext.jena.explainer.allowed_hosts",
seconds=…)``."""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import ipaddress
import socket
import threading
import time
from typing import Optional
from urllib.parse import urljoin, urlsplit

import requests

from ckan.plugins import toolkit

USER_AGENT = "ckanext-jena harvester (WISSENsAllmende Jena)"
MAX_REDIRECTS = 5
HARVEST_ALLOWED_HOSTS = "ckanext.jena.harvest.allowed_hosts"
_RULES: contextvars.ContextVar = contextvars.ContextVar("jena_fetch_rules", default=None)


@contextlib.contextmanager
def rules(allowed_hosts_key: str, seconds: Optional[float] = None):
    """Fetch under another allow-list (a config key) and another per-read time limit (the whole
    answer gets four times that) than the harvester's."""
    token = _RULES.set({"allowed_hosts_key": allowed_hosts_key, "seconds": seconds})
    try:
        yield
    finally:
        _RULES.reset(token)


def _allowed_hosts_key() -> str:
    return (_RULES.get() or {}).get("allowed_hosts_key") or HARVEST_ALLOWED_HOSTS


class FetchError(Exception):
    """A source could not be read. ``str()`` is a sentence in English; ``german`` the same in
    German: both go into the job report, which data officers of either language read."""

    def __init__(self, english: str, german: str):
        super().__init__(english)
        self.english = english
        self.german = german

    def report(self) -> str:
        return f"{self.german} / {self.english}"


@dataclasses.dataclass
class Answer:
    url: str
    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def max_bytes() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.jena.harvest.max_bytes", 50 * 1024 * 1024))


def timeout() -> float:
    override = (_RULES.get() or {}).get("seconds")
    if override:
        return float(override)
    return float(toolkit.config.get("ckanext.jena.harvest.timeout", 30))


@functools.lru_cache(maxsize=8)
def _parse_allowed(text: str) -> tuple[frozenset, tuple]:
    names, networks = set(), []
    for item in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item.lower().rstrip("."))
    return frozenset(names), tuple(networks)


def allowed_hosts() -> tuple[frozenset, tuple]:
    return _parse_allowed(toolkit.config.get(_allowed_hosts_key(), "") or "")


def _addresses(host: str) -> list:
    try:
        return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in socket.getaddrinfo(host, None)]
    except (socket.gaierror, UnicodeError, ValueError):
        raise FetchError(f"The host name {host!r} cannot be resolved.",
                         f"Der Hostname {host!r} lässt sich nicht auflösen.")


def check_url(url: str) -> None:
    """Raise FetchError unless ``url`` is http(s) and its host is public or allow-listed."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise FetchError(f"{url!r} is not a valid address.", f"{url!r} ist keine gültige Adresse.")
    if parts.scheme not in ("http", "https") or not host:
        raise FetchError(f"Only http and https addresses can be harvested, not {url!r}.",
                         f"Geerntet werden können nur http- und https-Adressen, nicht {url!r}.")
    names, networks = allowed_hosts()
    if host in names:
        return
    for address in _addresses(host):
        _check_address(host, address, networks)


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _effective(address):
    """The IPv4 address behind an IPv4-mapped or NAT64 IPv6 address, else the address."""
    if address.version == 6:
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.ip_address(int(address) & 0xFFFFFFFF)
    return address


def _check_address(host: str, address, networks=None) -> None:
    if networks is None:
        names, networks = allowed_hosts()
        if host in names:
            return
    if any(address in network for network in networks):
        return
    if not _effective(address).is_global or not address.is_global:
        key = _allowed_hosts_key()
        raise FetchError(
            f"{host} points at an internal address ({address}). Ask a system administrator to add "
            f"it to {key} if this source is one of the city's own.",
            f"{host} verweist auf eine interne Adresse ({address}). Gehört die Quelle der Stadt, kann "
            f"die Systemadministration sie in {key} freigeben.")


def _check_peer(response, url: str) -> None:
    """The address actually connected to must pass the same check (a name can resolve to a
    public address for the check and to an internal one for the request: DNS rebinding)."""
    try:
        sock = response.raw.connection.sock
        peer = sock.getpeername()[0] if sock is not None else None
    except (AttributeError, OSError):
        peer = None
    if peer:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        _check_address(host, ipaddress.ip_address(peer.split("%")[0]))


def get(url: str, params: Optional[dict] = None, accept: Optional[str] = None,
        limit: Optional[int] = None) -> Answer:
    """GET ``url``; FetchError for refused addresses, network failures, HTTP errors, an answer
    over the size limit or one that takes longer than the time limit as a whole."""
    limit = limit or max_bytes()
    seconds = timeout()
    deadline = time.monotonic() + seconds * 4
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    for _hop in range(MAX_REDIRECTS + 1):
        check_url(url)
        try:
            response = _request(url, params, headers, seconds, deadline)
        except requests.exceptions.Timeout:
            raise FetchError(f"{url} did not answer within {seconds:g} seconds.",
                             f"{url} hat nicht innerhalb von {seconds:g} Sekunden geantwortet.")
        except requests.exceptions.ConnectionError:
            raise FetchError(f"No connection to {url} (refused or unreachable).",
                             f"Keine Verbindung zu {url} (abgelehnt oder nicht erreichbar).")
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"{url} could not be requested: {exc.__class__.__name__}.",
                             f"{url} konnte nicht abgefragt werden: {exc.__class__.__name__}.")
        # the whole answer must arrive before the deadline: a watchdog closes a trickling one
        watchdog = threading.Timer(max(0.1, deadline - time.monotonic()), response.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            return_value = _read(response, url, limit, seconds, deadline)
        finally:
            watchdog.cancel()
        if isinstance(return_value, str):  # a redirect
            url, params = return_value, None
            continue
        return return_value
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects.",
                     f"{url}: mehr als {MAX_REDIRECTS} Weiterleitungen.")


def _request(url: str, params, headers: dict, seconds: float, deadline: float):
    """requests.get, but given up when the status line and headers have not arrived by the
    deadline (a server can trickle them a byte at a time, each within the read timeout)."""
    outcome: dict = {}

    def call() -> None:
        try:
            outcome["response"] = requests.get(url, params=params, headers=headers, timeout=seconds,
                                               allow_redirects=False, stream=True)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(max(0.1, deadline - time.monotonic()))
    if worker.is_alive():  # the thread ends with the connection; the harvest does not wait for it
        limit = seconds * 4
        raise FetchError(f"{url} did not answer within {limit:g} seconds (its headers came too slowly).",
                         f"{url} hat nicht innerhalb von {limit:g} Sekunden geantwortet (die Kopfzeilen "
                         "kamen zu langsam).")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def _read(response, url: str, limit: int, seconds: float, deadline: float):
    """The Answer, or the next URL of a redirect."""
    with response:
        _check_peer(response, url)
        if response.is_redirect and response.headers.get("Location"):
            return urljoin(response.url, response.headers["Location"])
        if response.status_code >= 400:
            raise FetchError(f"{response.url} answered with HTTP error {response.status_code}.",
                             f"{response.url} antwortete mit dem HTTP-Fehler {response.status_code}.")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(response.url, limit)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _too_large(response.url, limit)
                if time.monotonic() > deadline:
                    raise FetchError(f"{response.url} sent its answer too slowly (over {seconds * 4:g} s).",
                                     f"{response.url} hat seine Antwort zu langsam gesendet "
                                     f"(über {seconds * 4:g} s).")
                chunks.append(chunk)
        except (requests.exceptions.RequestException, OSError, AttributeError, ValueError):
            if time.monotonic() >= deadline - 0.05:
                raise FetchError(f"{response.url} sent its answer too slowly (over {seconds * 4:g} s).",
                                 f"{response.url} hat seine Antwort zu langsam gesendet "
                                 f"(über {seconds * 4:g} s).")
            raise FetchError(f"The answer of {response.url} broke off before its end.",
                             f"Die Antwort von {response.url} brach vor ihrem Ende ab.")
        if time.monotonic() > deadline:
            raise FetchError(f"{response.url} sent its answer too slowly (over {seconds * 4:g} s).",
                             f"{response.url} hat seine Antwort zu langsam gesendet (über {seconds * 4:g} s).")
        return Answer(response.url, response.status_code,
                      (response.headers.get("Content-Type") or "").split(";")[0].strip().lower(),
                      b"".join(chunks))


def _too_large(url: str, limit: int) -> FetchError:
    mb = limit / (1024 * 1024)
    return FetchError(f"The answer of {url} is larger than the limit of {mb:.1f} MB "
                      "(ckanext.jena.harvest.max_bytes).",
                      f"Die Antwort von {url} ist größer als die Grenze von {mb:.1f} MB "
                      "(ckanext.jena.harvest.max_bytes).")


def get_json(url: str, params: Optional[dict] = None, limit: Optional[int] = None):
    import json
    answer = get(url, params=params, accept="application/json", limit=limit)
    try:
        return json.loads(answer.body)
    except ValueError as exc:
        raise FetchError(f"The answer of {answer.url} is not valid JSON ({exc}).",
                         f"Die Antwort von {answer.url} ist kein gültiges JSON ({exc}).")
