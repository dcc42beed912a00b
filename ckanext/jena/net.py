"""The portal's only way onto the network: every outbound request (harvesting, resource
profiling, link checks) goes through :func:`request`.

A link typed by an editor or a harvest source set up by a sysadmin must not make the portal read
the city's internal services. So each request, and each redirect hop again:

- parses the URL once, strictly: http(s) only; no user name or password in it, no backslash,
  space or control character, and urllib3 must read scheme, host and port exactly as
  ``urlsplit`` does (``http://[::1]:8080\\@1.1.1.1/`` is refused, not guessed at);
- resolves the host name once and refuses every address that is not public (loopback, private,
  link-local, shared, multicast, reserved, documentation, unspecified, and IPv6 forms that embed
  such an IPv4 address) unless the capability's allow-list opens it;
- follows a redirect into such an allow-listed internal address only from that same host and
  port, and only to an address the first request went to: a public site cannot send the portal
  to the city's internal services, not even by pointing its own name there between two hops;
- connects to exactly the address it checked: the connection goes to the IP address, the Host
  header (and, for https, SNI and the certificate check) carry the original name, so neither a
  second DNS answer (DNS rebinding) nor a parser difference can move it elsewhere.

Allow-lists are config keys holding entries separated by spaces or commas: ``host``,
``host:port``, an IP address, ``IP:port``, ``[IPv6]:port`` or a CIDR range. An entry without a
port opens every port; an entry with one opens only that port. A host name entry trusts what the
name resolves to.

Time and size: ``seconds`` limits connecting and each read; the whole answer, headers included,
must arrive within four times that (a watchdog closes a server that trickles). ``limit`` bounds
the body in bytes after decompression. Proxies from the environment are not used: a proxy would
connect to a name the portal did not check."""
from __future__ import annotations

import dataclasses
import functools
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from typing import Optional
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, TimeoutError as Urllib3Timeout
from urllib3.util import parse_url

from ckan.plugins import toolkit

from ckanext.jena.lang import BilingualError

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Ranges that are not public although some Python versions call them global.
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class NetError(BilingualError):
    """A request could not be made or answered, in English and German (lang.BilingualError).
    ``code`` says what kind of failure it was (``invalid``, ``scheme``, ``internal``, ``dns``,
    ``redirects``, ``timeout``, ``connection``, ``http``, ``size``, ``broken``, ``json``)."""

    refused = False

    def __init__(self, english: str, german: str, code: str = "error"):
        super().__init__(english, german)
        self.code = code


class Refused(NetError):
    """The portal did not send the request: the address is malformed, not http(s), or not public
    and not allow-listed."""

    refused = True


@dataclasses.dataclass
class Answer:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: dict = dataclasses.field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


# -- allow-lists ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class AllowEntry:
    name: Optional[str]
    network: Optional[object]
    port: Optional[int]

    def opens_name(self, host: str, port: int) -> bool:
        return self.name is not None and self.name == host and self.port in (None, port)

    def opens_address(self, address, port: int) -> bool:
        return (self.network is not None and self.port in (None, port)
                and any(a.version == self.network.version and a in self.network for a in _forms(address)))


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"not a port in allow-list entry {entry!r}")
    return int(text)


def parse_allow_entry(entry: str) -> AllowEntry:
    """One allow-list entry; ValueError when it is none of the accepted forms."""
    entry = entry.strip().lower()
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", entry)
    if bracketed:
        network = ipaddress.ip_network(bracketed.group(1), strict=False)
        return AllowEntry(None, network, _port(bracketed.group(2), entry) if bracketed.group(2) else None)
    try:
        return AllowEntry(None, ipaddress.ip_network(entry, strict=False), None)
    except ValueError:
        pass
    host, port = entry, None
    if entry.count(":") == 1:
        host, port_text = entry.split(":")
        port = _port(port_text, entry)
    try:
        return AllowEntry(None, ipaddress.ip_network(host, strict=False), port)
    except ValueError:
        pass
    host = host.rstrip(".")
    if not _HOST_NAME.match(host):
        raise ValueError(f"not a host, address or range: {entry!r}")
    return AllowEntry(host, None, port)


@functools.lru_cache(maxsize=16)
def parse_allow_list(text: str) -> tuple:
    entries = []
    for item in (text or "").replace(",", " ").split():
        try:
            entries.append(parse_allow_entry(item))
        except ValueError as exc:
            log.warning("allow-list: entry ignored, %s", exc)
    return tuple(entries)


def allow_list(key: str) -> tuple:
    return parse_allow_list(toolkit.config.get(key) or "")


# -- addresses -----------------------------------------------------------------------------------

def _forms(address) -> list:
    """The address and any IPv4 address it carries (IPv4-mapped, NAT64, 6to4, Teredo)."""
    forms = [address]
    if address.version == 6:
        if address.ipv4_mapped:
            forms.append(address.ipv4_mapped)
        if address in NAT64:
            forms.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour:
            forms.append(address.sixtofour)
        if address.teredo:
            forms.extend(address.teredo)
    return forms


def is_public(address) -> bool:
    """Whether the address, and every IPv4 address it carries, is one of the public internet's."""
    for form in _forms(address):
        if (not form.is_global or form.is_private or form.is_loopback or form.is_link_local
                or form.is_multicast or form.is_reserved or form.is_unspecified
                or any(form.version == net.version and form in net for net in NOT_PUBLIC)):
            return False
    return True


def client(address: str | None) -> str:
    """Who is asking, for counting a visitor's requests (rate limits, places): an IPv4 address as
    it is (also written IPv4-mapped), an IPv6 address as its /64 network, which one household or
    server gets whole (counted by the single address, one visitor had 2^64 of them); '' for none."""
    text = (address or "").strip()
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if parsed.version == 6 and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def resolve(host: str, port: int) -> list:
    """The addresses of a host name, looked up once (the connection uses one of these)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise NetError(f"The host name {host!r} cannot be resolved.",
                       f"Der Hostname {host!r} lässt sich nicht auflösen.", "dns")
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise NetError(f"The host name {host!r} cannot be resolved.",
                       f"Der Hostname {host!r} lässt sich nicht auflösen.", "dns")
    return addresses


# -- URLs ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Target:
    """A URL as the portal will request it, and the addresses it may connect to."""
    url: str
    scheme: str
    host: str
    port: int
    request_path: str
    literal: bool
    addresses: list

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _invalid(url: str, why_en: str, why_de: str) -> Refused:
    return Refused(f"{url!r} is not a valid address ({why_en}).", f"{url!r} ist keine gültige Adresse ({why_de}).",
                   "invalid")


def _ascii_host(url: str, host: str) -> str:
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid(url, "its host name is not valid", "der Hostname ist ungültig")
    if not _HOST_NAME.match(host):
        raise _invalid(url, "its host name is not valid", "der Hostname ist ungültig")
    return host


def parse(url: str) -> Target:
    """Read ``url`` strictly (see the module docstring); Refused when it is not acceptable."""
    if not isinstance(url, str) or not url:
        raise _invalid(str(url), "empty", "leer")
    if any(c <= " " or c == "\x7f" or c == "\\" for c in url):
        raise _invalid(url, "it contains a space, a control character or a backslash",
                       "sie enthält ein Leerzeichen, ein Steuerzeichen oder einen Backslash")
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        raise _invalid(url, "its host or port cannot be read", "Host oder Port sind nicht lesbar")
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise Refused(f"Only http and https addresses can be fetched, not {url!r}.",
                      f"Abgerufen werden können nur http- und https-Adressen, nicht {url!r}.", "scheme")
    if "@" in parts.netloc:
        raise _invalid(url, "it contains a user name or password", "sie enthält einen Benutzernamen oder ein Passwort")
    if not host:
        raise _invalid(url, "no host", "kein Host")
    literal = True
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        literal = False
        if "%" in host or ":" in host:
            raise _invalid(url, "its host cannot be read", "der Host ist nicht lesbar")
        host = _ascii_host(url, host)
    try:
        other = parse_url(url)
        other_host = (other.host or "").strip("[]").lower().rstrip(".")
        if not literal:
            other_host = _ascii_host(url, other_host)
        else:
            other_host = str(ipaddress.ip_address(other_host))
    except (ValueError, HTTPError):
        other = other_host = None
    if other is None or (other.scheme or "").lower() != scheme or other_host != host or other.port != port:
        raise _invalid(url, "it can be read in more than one way", "sie lässt sich mehrdeutig lesen")
    port = port or DEFAULT_PORTS[scheme]
    safe = "!$&'()*+,;=:@/%~[]-._"  # as requests leaves them: only what cannot stand in a request line
    path = quote(parts.path or "/", safe=safe)
    request_path = path + ("?" + quote(parts.query, safe=safe + "?") if parts.query else "")
    netloc = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return Target(f"{scheme}://{netloc}{request_path}", scheme, host, port, request_path, literal, [])


def check(url: str, allowed_hosts_key: str, resolve_allowed_names: bool = True) -> Target:
    """The Target for ``url`` with the addresses the request may go to; Refused unless every
    address ``url``'s host resolves to is public or opened by the allow-list under
    ``allowed_hosts_key``. ``resolve_allowed_names=False`` skips the lookup for an allow-listed
    name (checking a form: the city's internal name need not resolve from everywhere)."""
    target = parse(url)
    entries = allow_list(allowed_hosts_key)
    name_allowed = not target.literal and any(e.opens_name(target.host, target.port) for e in entries)
    if name_allowed and not resolve_allowed_names:
        return target
    target.addresses = ([ipaddress.ip_address(target.host)] if target.literal
                        else resolve(target.host, target.port))
    if name_allowed:
        return target
    for address in target.addresses:
        if not is_public(address) and not any(e.opens_address(address, target.port) for e in entries):
            where = target.host if target.literal else f"{target.host} ({address})"
            raise Refused(
                f"{where} points at an internal address (port {target.port}). Ask a system administrator to "
                f"add it to {allowed_hosts_key} if it is one of the city's own.",
                f"{where} verweist auf eine interne Adresse (Port {target.port}). Gehört sie der Stadt, kann die "
                f"Systemadministration sie in {allowed_hosts_key} freigeben.", "internal")
    return target


# -- requests ------------------------------------------------------------------------------------

def request(url: str, *, allowed_hosts_key: str, seconds: float, limit: int, method: str = "GET",
            params: Optional[dict] = None, headers: Optional[dict] = None, user_agent: str = "ckanext-jena",
            read_body: bool = True, raise_for_status: bool = True, max_redirects: int = MAX_REDIRECTS,
            limit_key: str = "", own_hosts: tuple = (), own_paths: tuple = ()) -> Answer:
    """Send one request (following redirects, each hop checked) and return the Answer.

    NetError for network failures, an answer over ``limit`` bytes or slower than the time limit,
    and (``raise_for_status``) HTTP errors; Refused for addresses the portal does not request.
    ``read_body=False`` returns the status and headers only (link checks). ``limit_key`` names the
    config key of the size limit in the message when an answer is too large. ``own_hosts``
    ("host:port" of the portal itself) are refused on every hop: a fetch made for a page must
    never ask the portal again (it could wait on itself until no worker is left); only paths
    under one of ``own_paths`` (static files that fetch nothing themselves) are allowed there."""
    if params:
        url = url.split("#", 1)[0]
        url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
    deadline = time.monotonic() + seconds * 4
    send = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate", "Accept": "*/*"}
    send.update(headers or {})
    first = None
    for _hop in range(max_redirects + 1):
        target = check(url, allowed_hosts_key)
        first = first or target
        if target is not first and not redirect_allowed(first, target):
            raise Refused(
                f"{first.url} redirects to {target.url}, an internal address; a redirect may lead to an "
                f"internal host only from that same host. If it is one of the city's own, give its address "
                "directly.",
                f"{first.url} leitet auf {target.url} weiter, eine interne Adresse; eine Weiterleitung darf nur "
                "vom selben Rechner aus auf einen internen Rechner führen. Gehört er der Stadt, geben Sie seine "
                "Adresse direkt an.", "internal")
        if own_hosts and not _under(target.request_path, own_paths) and _is_own(target, own_hosts):
            raise Refused(
                f"{target.url} is an address of this portal itself; the portal does not fetch its own pages "
                "(upload the file instead).",
                f"{target.url} ist eine Adresse dieses Portals selbst; das Portal ruft seine eigenen Seiten "
                "nicht ab (laden Sie die Datei stattdessen hoch).", "own")
        response = _connect(target, method, send, seconds, deadline)
        # the whole answer must arrive before the deadline: a watchdog closes a trickling one
        watchdog = threading.Timer(max(0.1, deadline - time.monotonic()), response.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            outcome = _read(response, target.url, limit, seconds, deadline, read_body, raise_for_status, limit_key)
        finally:
            watchdog.cancel()
            response.close()
        if isinstance(outcome, str):  # a redirect
            url = outcome
            continue
        return outcome
    raise NetError(f"{url}: more than {max_redirects} redirects.",
                   f"{url}: mehr als {max_redirects} Weiterleitungen.", "redirects")


def redirect_allowed(first: Target, target: Target) -> bool:
    """Whether a redirect from the request for ``first`` may lead to ``target``. An allow-listed
    internal host is reached only by asking for it: a public site (a harvest source, a resource's
    address) redirecting there would make the portal ask the city's internal services on its
    behalf (seventh attack review, F4). So a hop into an address that is not public must stay on
    the first hop's host and port and on an address the first hop's name resolved to then: a
    public name that redirects to itself and meanwhile resolves to an internal address (DNS
    rebinding between hops, a re-attack of F4) is refused too."""
    if not target.addresses:  # nothing was checked (check() always resolves for a request)
        return False
    internal = [address for address in target.addresses if not is_public(address)]
    if not internal:
        return True
    return ((target.host, target.port) == (first.host, first.port)
            and all(address in first.addresses for address in internal))


def get(url: str, *, allowed_hosts_key: str, seconds: float, limit: int, params: Optional[dict] = None,
        accept: Optional[str] = None, user_agent: str = "ckanext-jena", limit_key: str = "",
        own_hosts: tuple = (), own_paths: tuple = ()) -> Answer:
    """GET ``url``; NetError (Refused for refused addresses) unless it answers 2xx within the limits."""
    return request(url, allowed_hosts_key=allowed_hosts_key, seconds=seconds, limit=limit, params=params,
                   headers={"Accept": accept} if accept else None, user_agent=user_agent, limit_key=limit_key,
                   own_hosts=own_hosts, own_paths=own_paths)


def own_hosts(*extra: str) -> tuple:
    """"host:port" of the portal itself: ckan.site_url's and the ``extra`` ones (e.g. the Host a
    request came to), lower-case, with the default port filled in."""
    found = []
    for address in (toolkit.config.get("ckan.site_url") or "", *extra):
        if not address:
            continue
        parts = urlsplit(address if "//" in address else "http://" + address)
        if not parts.hostname:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found.append(f"{parts.hostname.lower().strip('[]')}:{port}")
    return tuple(dict.fromkeys(found))


def _plain(address):
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it reaches."""
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _is_own(target: Target, own: tuple) -> bool:
    """Whether ``target`` is the portal: by its name, or by an address one of the portal's names
    resolves to when it is given as a bare IP (in any spelling) or as a name of this machine's
    loopback (``localhost``, a decimal ``2130706433``: the fifth attack review fetched the
    portal's own pages so). Other public names on the portal's address are not refused: a city's
    map server may share the portal's front proxy."""
    port = target.port
    if f"{target.host.lower().strip('[]')}:{port}" in own:
        return True
    reached = {_plain(address) for address in target.addresses}
    if not target.literal and not (reached and all(address.is_loopback for address in reached)):
        return False
    for entry in own:
        host, _sep, own_port = entry.rpartition(":")
        if int(own_port) != port:
            continue
        try:
            addresses = [ipaddress.ip_address(host)] if _is_literal(host) else resolve(host, port)
        except NetError:
            continue
        if reached & {_plain(address) for address in addresses}:
            return True
    return False


def _under(request_path: str, prefixes: tuple) -> bool:
    """Whether the path (decoded, without "." and ".." segments) lies under one of ``prefixes``."""
    if not prefixes:
        return False
    path = unquote(request_path.split("?", 1)[0])
    if "\\" in path or any(part in (".", "..") for part in path.split("/")):
        return False
    return any(prefix.startswith("/") and prefix.endswith("/") and path.startswith(prefix) for prefix in prefixes)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def get_json(url: str, **kwargs):
    answer = get(url, accept="application/json", **kwargs)
    try:
        return json.loads(answer.body)
    except ValueError as exc:
        raise NetError(f"The answer of {answer.url} is not valid JSON ({exc}).",
                       f"Die Antwort von {answer.url} ist kein gültiges JSON ({exc}).", "json")


def _pool(target: Target, address, seconds: float):
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    if target.scheme == "https":
        tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}
        if not target.literal:  # SNI and the certificate check for the name, not the address
            tls.update(server_hostname=target.host, assert_hostname=target.host)
        return urllib3.HTTPSConnectionPool(str(address), target.port, timeout=timeout, retries=False, **tls)
    return urllib3.HTTPConnectionPool(str(address), target.port, timeout=timeout, retries=False)


def _connect(target: Target, method: str, headers: dict, seconds: float, deadline: float):
    """The response (status line and headers read) from the first of the checked addresses that
    accepts the connection; NetError when none does or the headers do not arrive by the deadline
    (a server can trickle them a byte at a time, each within the read timeout)."""
    headers = dict(headers, Host=target.host_header)
    failure: Optional[BaseException] = None
    for address in target.addresses:
        outcome: dict = {}

        def call(address=address, outcome=outcome) -> None:
            try:
                outcome["response"] = _pool(target, address, seconds).urlopen(
                    method, target.request_path, headers=headers, redirect=False, retries=False,
                    preload_content=False, decode_content=True, assert_same_host=False)
            except BaseException as exc:  # handed to the caller
                outcome["error"] = exc

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(max(0.1, deadline - time.monotonic()))
        if worker.is_alive():  # the thread ends with the connection; the caller does not wait for it
            limit = seconds * 4
            raise NetError(f"{target.url} did not answer within {limit:g} seconds (its headers came too slowly).",
                           f"{target.url} hat nicht innerhalb von {limit:g} Sekunden geantwortet (die Kopfzeilen "
                           "kamen zu langsam).", "timeout")
        if "response" in outcome:
            return outcome["response"]
        failure = outcome["error"]
        if isinstance(failure, MaxRetryError) and failure.reason is not None:
            failure = failure.reason
        if not isinstance(failure, NewConnectionError) or time.monotonic() > deadline:
            break  # another address is tried only when this one refused the connection
    # NewConnectionError is a ConnectTimeoutError to urllib3: ask for it first
    if isinstance(failure, (NewConnectionError, ConnectionError)):
        raise NetError(f"No connection to {target.url} (refused or unreachable).",
                       f"Keine Verbindung zu {target.url} (abgelehnt oder nicht erreichbar).", "connection")
    if isinstance(failure, (Urllib3Timeout, TimeoutError)):
        raise NetError(f"{target.url} did not answer within {seconds:g} seconds.",
                       f"{target.url} hat nicht innerhalb von {seconds:g} Sekunden geantwortet.", "timeout")
    name = failure.__class__.__name__ if failure else "no address"
    raise NetError(f"{target.url} could not be requested: {name}.",
                   f"{target.url} konnte nicht abgefragt werden: {name}.", "connection")


def _too_slow(url: str, seconds: float) -> NetError:
    return NetError(f"{url} sent its answer too slowly (over {seconds * 4:g} s).",
                    f"{url} hat seine Antwort zu langsam gesendet (über {seconds * 4:g} s).", "timeout")


def _read(response, url: str, limit: int, seconds: float, deadline: float, read_body: bool,
          raise_for_status: bool, limit_key: str):
    """The Answer, or the next URL of a redirect."""
    status = response.status
    headers = {k.lower(): v for k, v in response.headers.items()}
    if status in REDIRECT_STATUSES and headers.get("location"):
        return urljoin(url, headers["location"])
    if raise_for_status and status >= 400:
        raise NetError(f"{url} answered with HTTP error {status}.",
                       f"{url} antwortete mit dem HTTP-Fehler {status}.", "http")
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if not read_body:
        return Answer(url, status, content_type, b"", headers)
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(url, limit, limit_key)
    chunks, size = [], 0
    try:
        for chunk in response.stream(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise _too_large(url, limit, limit_key)
            if time.monotonic() > deadline:
                raise _too_slow(url, seconds)
            chunks.append(chunk)
    except (HTTPError, OSError, AttributeError, ValueError):
        if time.monotonic() >= deadline - 0.05:
            raise _too_slow(url, seconds)
        raise NetError(f"The answer of {url} broke off before its end.",
                       f"Die Antwort von {url} brach vor ihrem Ende ab.", "broken")
    if time.monotonic() > deadline:
        raise _too_slow(url, seconds)
    return Answer(url, status, content_type, b"".join(chunks), headers)


def _too_large(url: str, limit: int, limit_key: str) -> NetError:
    mb = limit / (1024 * 1024)
    key = f" ({limit_key})" if limit_key else ""
    return NetError(f"The answer of {url} is larger than the limit of {mb:.1f} MB{key}.",
                    f"Die Antwort von {url} ist größer als die Grenze von {mb:.1f} MB{key}.", "size")
