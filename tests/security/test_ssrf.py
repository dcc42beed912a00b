"""Server-side request forgery (issue 15, findings 1 and 6): whatever address an editor types into a
resource or a sysadmin into a harvest source, the portal reads nothing internal unless an
allow-list opens exactly that host and port, and publishes nothing it was not allowed to read.

Internal services are real HTTP servers on [::1] and 127.0.0.1 that record every request. The
one substitution is the resolver function of this process (``socket.getaddrinfo``), to make a
name answer differently on its second lookup (DNS rebinding)."""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from ckan.plugins import toolkit
from ckan.tests import factories, helpers

from ckanext.jena import net
from ckanext.jena.explainer import jobs, profile as profile_module, store as explainer_store
from ckanext.jena.harvest import fetch
from ckanext.jena.quality import checks
from tests.jena_plugins import DEMO_PLUGINS, demo_marks

HARVEST, EXPLAINER, QUALITY = ("ckanext.jena.harvest.allowed_hosts", "ckanext.jena.explainer.allowed_hosts",
                               "ckanext.jena.quality.allowed_hosts")
pytestmark = demo_marks("jena_theme " + DEMO_PLUGINS + " jena_quality") + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config(HARVEST, ""),
    pytest.mark.ckan_config(EXPLAINER, ""),
    pytest.mark.ckan_config(QUALITY, ""),
    pytest.mark.ckan_config("ckanext.jena.harvest.timeout", "1"),
    pytest.mark.ckan_config("ckanext.jena.explainer.profile_seconds", "4"),
    pytest.mark.ckan_config("ckanext.jena.quality.link_timeout", "1"),
]
# only the tests that create datasets or sources need a clean database
with_database = pytest.mark.usefixtures("with_plugins", "clean_db", "harvest_tables", "clean_index", "explainer_tables")
SECRET = "INTERN-4711"
SECRET_CSV = f"Geheimnis;Wert\n{SECRET};1\n{SECRET};2\n".encode()


class Internal:
    """An internal service: answers every GET and HEAD with a secret table (``/redirect?to=URL``
    with a redirect) and records what it was asked, with the Host header."""

    def __init__(self, host: str, port: int = 0):
        self.requests: list[tuple[str, str]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                service.requests.append((self.path, self.headers.get("Host", "")))
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", unquote(self.path[len("/redirect?to="):]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(SECRET_CSV)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(SECRET_CSV)

            do_HEAD = do_GET

        server_class = type("Server", (ThreadingHTTPServer,), {
            "address_family": socket.AF_INET6 if ":" in host else socket.AF_INET, "daemon_threads": True})
        self.httpd = server_class((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def services():
    """Internal services on [::1] and 127.0.0.1 on the same port number, and one more on 127.0.0.1."""
    for _attempt in range(20):
        v6 = Internal("::1")
        try:
            v4 = Internal("127.0.0.1", v6.port)
            break
        except OSError:
            v6.stop()
    else:
        pytest.fail("no port free on both [::1] and 127.0.0.1")
    other = Internal("127.0.0.1")
    yield v4, v6, other
    for service in (v4, v6, other):
        service.stop()


@pytest.fixture
def resolver(monkeypatch):
    """The resolver function of this process answers for the names given to ``answer`` (one list
    of addresses per lookup, the last one repeated) and counts the lookups; other names resolve
    as usual."""
    real = socket.getaddrinfo
    script: dict = {}
    lookups: list = []

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in script:
            lookups.append(name)
            answers = script[name].pop(0) if len(script[name]) > 1 else script[name][0]
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port or 0), 0, 0)) if ":" in a else
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in answers]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(name: str, *per_lookup: list) -> list:
        script[name] = list(per_lookup)
        return lookups
    return answer


def backslash_tricks(service: Internal) -> list[str]:
    """Addresses that urlsplit and urllib3 read differently (the attack review's requests)."""
    return [f"http://[::1]:{service.port}\\@1.1.1.1/x.csv", f"http://127.0.0.1:{service.port}\\@1.1.1.1/x.csv",
            f"http://probe.invalid\\@127.0.0.1:{service.port}/x.csv"]


def editor_dataset(resources: list) -> dict:
    editor = factories.User()
    org = factories.Organization(org_type="fachdienst", users=[{"name": editor["name"], "capacity": "editor"}])
    return helpers.call_action("package_create", context={"user": editor["name"], "ignore_auth": False},
                               name="messwerte", title="Messwerte", owner_org=org["id"], license_id="dl-by-de/2.0",
                               notes="Messwerte der Stadt.", tags=[{"name": "Messwerte"}], resources=resources)


# -- finding 1: the profiling job and what the portal publishes ------------------------------------

@with_database
def test_an_editors_link_past_the_address_check_is_not_fetched_and_nothing_is_published(app, services):
    v4, v6, _other = services
    links = backslash_tricks(v6) + [f"{v6.base}/x.csv", f"{v4.base}/x.csv"]
    pkg = editor_dataset([{"name": f"Datei {n}", "url": url, "format": "CSV"} for n, url in enumerate(links)])
    outcome = jobs.explain(pkg["id"])
    assert outcome["profiles"]["failed"] == len(links) and outcome["profiles"]["profiled"] == 0
    assert v4.requests == [] and v6.requests == []
    errors = [p["error"] for p in explainer_store.profiles(pkg["id"]).values()]
    assert all(e["en"] and e["de"] and e["en"] != e["de"] for e in errors)
    anonymous = {"user": "", "ignore_auth": False}
    for lang in ("de", "en"):
        shown = helpers.call_action("jena_explainer_show", context=anonymous, id=pkg["id"], lang=lang)
        assert SECRET not in str(shown) and "Geheimnis" not in str(shown)
    page = app.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    assert 'class="jena-preview"' not in page and SECRET not in page


def test_profiling_reads_an_allowed_port_and_refuses_the_other_ports_of_that_host(services, ckan_config,
                                                                                    monkeypatch):
    v4, v6, other = services
    monkeypatch.setitem(ckan_config, EXPLAINER, f"127.0.0.1:{v4.port} [::1]:{v6.port}")
    for service in (v4, v6):
        found = jobs.profile_resource({"url": f"{service.base}/werte.csv", "format": "CSV"})
        assert [c["name"] for c in found["columns"]][:1] == ["Geheimnis"]
        assert service.requests == [("/werte.csv", service.base.split("//")[1])]
    with pytest.raises(profile_module.ProfileError) as refused:
        jobs.profile_resource({"url": f"{other.base}/werte.csv", "format": "CSV"})
    assert "points at an internal address" in refused.value.english
    assert "verweist auf eine interne Adresse" in refused.value.german
    assert other.requests == []


# -- finding 1: the quality link checker -----------------------------------------------------------

@with_database
def test_the_link_checker_reports_internal_addresses_as_refused_never_as_working(services):
    v4, v6, other = services
    links = backslash_tricks(v6) + [f"{v6.base}/x.csv", f"{v4.base}/x.csv", "http://224.0.0.1/x.csv"]
    for url in links:
        result = checks.check_url(url, 1)
        assert result["status"] is None and result["refused"] is True, (url, result)
    pkg = editor_dataset([{"name": "Intern", "url": links[0], "format": "CSV"},
                          {"name": "Auch intern", "url": f"{v4.base}/y.csv", "format": "CSV"}])
    stored = checks.check_dataset(pkg["id"])["links"]
    assert stored[links[0]]["status"] is None and stored[links[0]]["refused"] is True
    assert stored[f"{v4.base}/y.csv"]["error"] == "internal address, not checked"
    assert v4.requests == [] and v6.requests == [] and other.requests == []


def test_the_link_checker_checks_an_allowed_port_only(services, ckan_config, monkeypatch):
    v4, _v6, other = services
    monkeypatch.setitem(ckan_config, QUALITY, f"127.0.0.1:{v4.port}")
    assert checks.check_url(f"{v4.base}/ok.csv", 1)["status"] == 200
    assert checks.check_url(f"{other.base}/ok.csv", 1)["refused"] is True
    assert [path for path, _host in v4.requests] == ["/ok.csv"] and other.requests == []


# -- finding 1: the harvester ----------------------------------------------------------------------

@with_database
def test_a_harvest_source_past_the_address_check_is_refused_and_not_fetched(services):
    v4, v6, _other = services
    sysadmin = factories.Sysadmin()
    org = factories.Organization(org_type="fachdienst")
    for url in backslash_tricks(v6) + backslash_tricks(v4):
        with pytest.raises(toolkit.ValidationError) as error:
            helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]}, name="trick",
                                title="Trick", url=url, source_type="jena_dcat", owner_org=org["id"])
        assert "keine gültige Adresse" in error.value.error_dict["url"][0]
        with pytest.raises(fetch.FetchError) as refused:
            fetch.get(url)
        assert refused.value.refused and "keine gültige Adresse" in refused.value.german
    assert v4.requests == [] and v6.requests == []


def test_the_harvester_reads_an_allowed_port_and_refuses_the_other_ports_of_that_host(services, ckan_config,
                                                                                        monkeypatch):
    v4, v6, other = services
    monkeypatch.setitem(ckan_config, HARVEST, f"127.0.0.1:{v4.port}, [::1]:{v6.port}")
    assert fetch.get(f"{v4.base}/a.csv").body == SECRET_CSV
    assert fetch.get(f"{v6.base}/a.csv").body == SECRET_CSV
    for url in (f"{other.base}/a.csv", f"http://localhost:{other.port}/a.csv", f"http://[::1]:{other.port}/a.csv"):
        with pytest.raises(fetch.FetchError) as refused:
            fetch.get(url)
        assert refused.value.code == "internal" and HARVEST in str(refused.value)
    assert other.requests == []


# -- finding 6: ranges that are not public -----------------------------------------------------------

@pytest.mark.parametrize("address", [
    "224.0.0.1", "239.255.255.250", "[ff02::1]", "0.0.0.0", "100.64.0.1", "192.0.2.10", "198.51.100.7",
    "203.0.113.5", "198.18.0.1", "240.0.0.1", "255.255.255.255", "169.254.169.254", "[2001:db8::1]",
    "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[fe80::1]", "[fd00::1]", "[::]",
])
def test_multicast_reserved_and_documentation_ranges_are_not_public(address):
    for key in (HARVEST, EXPLAINER, QUALITY):
        with pytest.raises(net.Refused) as refused:
            net.check(f"http://{address}/x.csv", key)
        assert refused.value.code == "internal"
    assert checks.check_url(f"http://{address}/x.csv", 1)["refused"] is True


@pytest.mark.parametrize("entry, opens, stays_closed", [
    ("127.0.0.1:5000", ["http://127.0.0.1:5000/"], ["http://127.0.0.1:6379/", "http://127.0.0.1/"]),
    ("[::1]:5000", ["http://[::1]:5000/"], ["http://[::1]:5432/", "http://127.0.0.1:5000/"]),
    ("10.20.0.0/16", ["http://10.20.3.4:8080/", "http://10.20.0.1/"], ["http://10.21.0.1/"]),
    ("10.20.0.0/16:443", ["https://10.20.3.4/"], ["http://10.20.3.4/"]),
    ("::1", ["http://[::1]:1/"], ["http://127.0.0.1:1/"]),
    ("geodaten.intern:8443", ["https://geodaten.intern:8443/"], ["https://geodaten.intern/"]),
])
def test_allow_list_entries_with_a_port_open_only_that_port(entry, opens, stays_closed, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, HARVEST, entry)
    for url in opens:
        fetch.check_url(url)
    for url in stays_closed:
        with pytest.raises(fetch.FetchError):
            fetch.check_url(url)


# -- every hop, every lookup -------------------------------------------------------------------------

def test_a_redirect_from_an_allowed_host_to_an_internal_one_is_refused(services, ckan_config, monkeypatch):
    v4, v6, other = services
    monkeypatch.setitem(ckan_config, HARVEST, f"127.0.0.1:{v4.port}")
    monkeypatch.setitem(ckan_config, QUALITY, f"127.0.0.1:{v4.port}")
    for target in (f"{v6.base}/geheim.csv", f"{other.base}/geheim.csv", f"http://localhost:{other.port}/"):
        with pytest.raises(fetch.FetchError) as refused:
            fetch.get(f"{v4.base}/redirect?to={target}")
        assert "points at an internal address" in str(refused.value)
        assert checks.check_url(f"{v4.base}/redirect?to={target}", 1)["refused"] is True
    assert fetch.get(f"{v4.base}/redirect?to=/erlaubt.csv").body == SECRET_CSV
    assert v6.requests == [] and other.requests == []


def test_a_name_that_resolves_elsewhere_on_the_second_lookup_cannot_move_the_connection(services, resolver,
                                                                                        ckan_config, monkeypatch):
    """DNS rebinding: the first answer is checked, the second would point at an internal service."""
    v4, v6, _other = services
    monkeypatch.setitem(ckan_config, HARVEST, "127.0.0.1")
    lookups = resolver("rebind.test", ["127.0.0.1"], ["::1"])
    assert fetch.get(f"http://rebind.test:{v4.port}/daten.csv").body == SECRET_CSV
    assert v4.requests == [("/daten.csv", f"rebind.test:{v4.port}")]  # the original name as Host
    assert v6.requests == [] and lookups == ["rebind.test"]


def test_a_public_first_answer_does_not_let_a_second_internal_one_through(services, resolver):
    _v4, v6, _other = services
    lookups = resolver("public-first.test", ["93.184.215.14"], ["::1"])
    try:
        fetch.get(f"http://public-first.test:{v6.port}/daten.csv")
    except fetch.FetchError as exc:  # no way out of the test machine: the public address does not answer
        assert exc.code in ("timeout", "connection"), exc
    assert v6.requests == [] and lookups == ["public-first.test"]


def test_https_is_pinned_too_and_names_the_original_host_to_the_server(resolver, ckan_config, monkeypatch):
    """The TLS handshake goes to the checked address and asks for the original name (SNI): a
    listener that records the client's first bytes sees it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    hello: list = []

    def record():
        connection, _peer = listener.accept()
        connection.settimeout(2)
        hello.append(connection.recv(4096))
        connection.close()

    thread = threading.Thread(target=record, daemon=True)
    thread.start()
    monkeypatch.setitem(ckan_config, HARVEST, "127.0.0.1")
    lookups = resolver("tls.test", ["127.0.0.1"], ["::1"])
    with pytest.raises(fetch.FetchError):
        fetch.get(f"https://tls.test:{port}/daten.csv")
    thread.join(3)
    listener.close()
    assert hello and hello[0][:1] == b"\x16" and b"tls.test" in hello[0]  # a TLS ClientHello with SNI
    assert lookups == ["tls.test"]


@pytest.mark.parametrize("url", [
    "http://user:pass@127.0.0.1/", "http://evil.test@127.0.0.1/", "http://127.0.0.1 /", "http://127.0.0.1/\x00",
    "http://127.0.0.1\t/", "http://[::1/x", "http://127.0.0.1:99999/", "javascript:alert(1)", "file:///etc/passwd",
    "http:///x", "http://a.de\\@b.de/",
])
def test_malformed_addresses_are_refused_before_any_lookup(url):
    with pytest.raises(net.Refused) as refused:
        net.check(url, HARVEST)
    assert refused.value.code in ("invalid", "scheme")


def test_a_name_that_points_elsewhere_between_two_hops_cannot_redirect_there(services, resolver, ckan_config,
                                                                           monkeypatch):
    """DNS rebinding between redirect hops (a re-attack of the seventh review's F4): the source's
    name redirects to itself, and on the second lookup resolves to another internal address. The
    same host and port were enough before; the second hop must go to an address of the first."""
    v4, v6, _other = services
    assert v4.port == v6.port
    monkeypatch.setitem(ckan_config, HARVEST, f"127.0.0.1:{v4.port} [::1]:{v6.port}")
    resolver("hop.test", ["127.0.0.1"], ["::1"])
    with pytest.raises(fetch.FetchError) as refused:
        fetch.get(f"http://hop.test:{v4.port}/redirect?to=http://hop.test:{v4.port}/geheim.csv")
    assert "redirect" in str(refused.value).lower() or "weiter" in str(refused.value).lower()
    assert v6.requests == [] and [path for path, _host in v4.requests] == ["/redirect?to=http://hop.test:%d/geheim.csv"
                                                                           % v4.port]
    # the same name and address on both hops is the city's own host redirecting within itself
    resolver("stay.test", ["127.0.0.1"])
    assert fetch.get(f"http://stay.test:{v4.port}/redirect?to=/erlaubt.csv").body == SECRET_CSV
