"""The portal in a real browser: headless Chromium (Debian's package) driven by Playwright.

axe-core (vendored, tests/theme/axe.min.js) checks the pages citizens and data officers use
against the WCAG 2.0/2.1 A and AA rules; three journeys walk through the portal as a citizen, a
data officer and a sysadmin would. They take the README's screenshots into the git-ignored
build/screenshots/ (set JENA_SCREENSHOTS to another folder); `make screenshots` runs them and
copies the pictures to docs/screenshots/, so a test run leaves the work tree as it was.

The portal runs in this process on a free port of 127.0.0.1 (CKAN's real WSGI app, the
project's PostgreSQL and Redis), so the browser meets it as it would a deployed portal."""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright import sync_api as playwright_api

from ckan.tests import factories, helpers

from tests.jena_plugins import DEMO_PLUGINS, demo_marks

CHROMIUM = os.environ.get("JENA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = os.path.join(os.path.dirname(__file__), "axe.min.js")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.environ.get("JENA_SCREENSHOTS") or os.path.join(ROOT, "build", "screenshots")
# the longest the browser waits for the portal (a page, a click's answer, a live check): it
# polls and goes on as soon as the answer is there, so a generous limit costs nothing when the
# machine is idle and keeps a busy one (both cores taken) from failing a journey
SERVER_WAIT_MS = 180_000
playwright_api.expect.set_options(timeout=SERVER_WAIT_MS)   # expect(...) assertions
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Baumkataster-2026!"
THEME_PLUGINS = "jena_security jena_theme " + DEMO_PLUGINS

pytestmark = demo_marks(THEME_PLUGINS) + [
    pytest.mark.ckan_config("ckan.locale_default", "de"),
    pytest.mark.ckan_config("ckan.locales_offered", "de en"),
    pytest.mark.ckan_config("ckanext.jena.harvest.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.jena.explainer.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckan.harvest.mq.type", "redis"),
]
# what every test that does not share the demo (fixture ``demo``) starts from (with_plugins first:
# a test's own marks come before the module's, and the harvest tables need the harvest plugin)
FRESH = ("with_plugins", "clean_db", "harvest_tables", "explainer_tables", "clean_index")


@pytest.fixture
def portal(request, ckan_config, monkeypatch):
    """The portal served over HTTP on 127.0.0.1, its site_url set to where it is served."""
    from werkzeug.serving import make_server
    app = helpers._get_test_app()
    # the port this module's portal had before, so the demo the module built (its harvested
    # links name the portal's address) can serve the next test; else port 0: the system picks a
    # free port while binding, so no other process can take it first
    module = request.module
    try:
        server = make_server("127.0.0.1", getattr(module, "_portal_port", 0), app.app, threaded=True)
    except OSError:  # taken meanwhile: a new port (and a new demo, fixture demo)
        server = make_server("127.0.0.1", 0, app.app, threaded=True)
    module._portal_port = server.server_port
    url = f"http://127.0.0.1:{server.server_port}"
    # after the app is made (making it reads the ini file's site_url again); inside a request
    # CKAN reads the Flask app's copy of the configuration
    for config in (ckan_config, app.flask_app.config):
        monkeypatch.setitem(config, "ckan.site_url", url)
        # CKAN's test configuration sends new/edited datasets to http://localhost/…?test=…
        for key in ("package_new_return_url", "package_edit_return_url"):
            monkeypatch.setitem(config, key, "")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package.")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A browser tab that records every Content-Security-Policy violation on the pages it
    visits (the securitypolicyviolation event and Chromium's console message): after the test,
    there must be none. The portal's pages have to work under the policy jena_security sends."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(SERVER_WAIT_MS)   # navigations, clicks, load states, downloads
    violations = []
    context.expose_binding("jenaCspViolation", lambda source, text: violations.append(text))
    context.add_init_script("""document.addEventListener('securitypolicyviolation', (e) =>
        window.jenaCspViolation(`${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
                                + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample || ''}`));""")
    tab = context.new_page()
    tab.on("console", lambda message: violations.append(f"{tab.url}: {message.text}")
           if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def axe_violations(page) -> list:
    with open(AXE, encoding="utf-8") as stream:
        # through the DevTools protocol, not as an inline <script>: the page's policy admits none
        page.evaluate(stream.read())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [{"rule": v["id"], "impact": v["impact"], "where": [n["target"] for n in v["nodes"]][:3],
             "why": v["nodes"][0]["failureSummary"][:300]} for v in result["violations"]]


def log_in(page, portal, name):
    page.goto(portal + "/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", PASSWORD)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_load_state()
    assert page.locator(".account.authed").count() == 1, "login failed: " + page.locator("main, [role=main], body").first.inner_text()[:600]


def choose(page, field: str, typed: str | None = None, value: str | None = None) -> None:
    """Pick an offer in the autocomplete widget CKAN draws over the form field with id ``field``,
    as a person would: open it, type ``typed`` and click what it offers for that text, or click
    the option of ``value``. CKAN 2.11 draws Select2 3 (``#s2id_<field>``), CKAN 2.12 Select2 4
    (a ``span.select2-container`` after the field, its options' ids ending in their values)."""
    # CKAN's script draws the widget after the page has loaded (later on a busy machine): wait
    # for either version's before asking which one it is
    page.locator(f"#s2id_{field}, #{field} + .select2-container").first.wait_for()
    if page.locator(f"#s2id_{field}").count():
        page.locator(f"#s2id_{field}").locator("input.select2-input" if typed else ".select2-choice").first.click()
        offers = page.locator(".select2-drop-active .select2-result-label")
        by_value = f"[data-value='{value}']"
    else:
        page.locator(f"#{field} + .select2-container .select2-selection").click()
        offers = page.locator(".select2-container--open .select2-results__option")
        by_value = f"[id$='-{value}']"
    if typed:
        page.keyboard.type(typed, delay=50)
        offers.filter(has_text=typed).first.click()
    else:
        offers.and_(page.locator(by_value)).click()


def fill_title(page, title: str) -> None:
    """Type a dataset's or source's title as a person would, once CKAN's slug-preview modules are
    bound: the address (slug) is filled from the title by a key handler the script binds after the
    page has loaded. A fresh-clone run on CKAN 2.12 filled the title before that and saved a form
    without address ("URL: Fehlender Wert"). The preview box is drawn by the second module, after
    the first has bound its handler."""
    page.locator(".slug-preview").first.wait_for(state="attached", timeout=180_000)
    page.fill("#field-title", title)


def tab_until(page, selector: str, limit: int = 250) -> bool:
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return True
    return False


def focus_ring(page) -> dict:
    """The focused element's outline as the browser draws it."""
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }""")


def assert_focus_visible(page, what: str) -> None:
    ring = focus_ring(page)
    assert ring["style"] != "none" and ring["width"] >= 2, f"{what}: no visible focus ring {ring}"


def screenshot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=False)


# the page's width and what sticks out past 320 CSS pixels, measured in one step: visible
# elements (outside containers that scroll or clip on their own), text that overflows its box
# (a long word; not what a clipping box cuts off), and hidden elements, marked
REFLOW = """() => {
    const past = (r) => Math.round(r.right) > 321;
    const name = (e) => e.tagName + '.' + (e.className.baseVal ?? e.className);
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
        if (!past(e.getBoundingClientRect())) continue;
        const inner = e.closest('.table-responsive, .leaflet-container') && !e.matches('.table-responsive, .leaflet-container');
        const hidden = getComputedStyle(e).visibility === 'hidden';
        if (!inner) out.push(name(e) + ' ' + Math.round(e.getBoundingClientRect().right) + (hidden ? ' (hidden)' : ''));
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n; (n = walker.nextNode());) {
        if (!n.textContent.trim() || n.parentElement.closest('.table-responsive, .leaflet-container')) continue;
        let clip = n.parentElement;   // text cut off by a box that clips it (an ellipsis) is no overflow
        while (clip && getComputedStyle(clip).overflowX === 'visible') clip = clip.parentElement;
        if (clip && clip !== document.body && !past(clip.getBoundingClientRect())) continue;
        const range = document.createRange(); range.selectNodeContents(n);
        if (past(range.getBoundingClientRect()))
            out.push('text in ' + name(n.parentElement) + ': ' + JSON.stringify(n.textContent.trim().slice(0, 60)));
    }
    return {width: document.documentElement.scrollWidth, wide: out.slice(0, 12), state: document.readyState};
}"""


def settled_width(page) -> tuple[int, list]:
    """The page's width once it has settled: loaded, no requests for half a second, CKAN's modules
    run, and two measurements a quarter second apart agree. CI's run of e4ded77 (both lanes on a
    busy machine) measured the dataset page 344 pixels wide in one step and found nothing wider in
    the next (the page was still changing); width and culprits now come from one measurement."""
    page.wait_for_load_state("networkidle")
    last = None
    for _ in range(40):
        now = page.evaluate(REFLOW)
        if now == last and now["state"] == "complete":
            break
        last = now
        page.wait_for_timeout(250)
    return now["width"], now["wide"]


@pytest.fixture
def demo(request, portal):
    """The demo, harvested from ``portal`` into a clean database. Tests that only read it share
    one build per module: the next test of the module gets it again as long as nothing has been
    written since (a test that starts fresh, FRESH, removes it) and the portal has the address
    the demo's links name; else it is built again, from a clean database. A test using it must
    leave the data as it found it (the browser's logins and page views do)."""
    from ckanext.jena.demo.loader import load_demo
    built = getattr(request.module, "_demo", None)
    if built and built["portal"] == portal and _still_there(built):
        return built
    for fixture in FRESH:
        request.getfixturevalue(fixture)
    sysadmin = factories.Sysadmin(password=PASSWORD, image_url="")
    summary = load_demo(sysadmin["name"], echo=lambda *a, **k: None)
    assert summary["errors"] == 0
    # the old portal's tree register, with its CSV file (the geodata catalogue has one too, as WFS)
    trees = next(d for d in helpers.call_action("package_search", q="Baumkataster")["results"]
                 if any(r["format"] == "CSV" for r in d["resources"]))
    request.module._demo = {"sysadmin": sysadmin, "trees": trees, "portal": portal,
                            "datasets": helpers.call_action("package_search", rows=0, include_private=True)["count"]}
    return request.module._demo


def _still_there(built: dict) -> bool:
    """The shared demo is still in the database: its sysadmin with the same id (a reset removes
    it), its tree register unchanged and as many datasets as when it was built."""
    from ckan import model
    user = model.User.get(built["sysadmin"]["name"])
    trees = model.Package.get(built["trees"]["id"])
    return (user is not None and user.id == built["sysadmin"]["id"] and trees is not None
            and trees.metadata_modified.isoformat() == built["trees"]["metadata_modified"]
            and helpers.call_action("package_search", rows=0, include_private=True)["count"] == built["datasets"])


def test_the_pages_citizens_and_officers_use_pass_axe_and_work_with_the_keyboard(portal, demo, page):
    trees = demo["trees"]["name"]
    pages = {
        "home": "/",
        "search with facets": "/dataset/?q=B%C3%A4ume&action_fields=stadtentwicklung-umwelt-verkehr",
        "dataset": f"/dataset/{trees}",
        "explainer": f"/dataset/{trees}/explainer",
        "action field": "/handlungsfelder/stadtentwicklung-umwelt-verkehr",
        "login": "/user/login",
    }
    found, elsewhere = {}, []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((portal, "data:", "blob:", "about:")) else None)
    for label, path in pages.items():
        page.goto(portal + path)
        assert page.evaluate("document.documentElement.lang") == "de", label
        found[label] = axe_violations(page)
        if label in ("home", "dataset", "explainer"):
            screenshot(page, label)
    log_in(page, portal, demo["sysadmin"]["name"])
    page.goto(portal + "/dataset/new")
    found["dataset form"] = axe_violations(page)
    assert found == {label: [] for label in found}, json.dumps(found, indent=1, ensure_ascii=False)
    assert elsewhere == [], elsewhere  # nothing fetched from third parties, logged in or not

    # keyboard only: search, a facet and the download are reachable with Tab
    context = page.context
    context.clear_cookies()
    page.goto(portal + "/dataset/")
    assert tab_until(page, "#field-giant-search"), "the search field is not reachable with Tab"
    assert_focus_visible(page, "search field")
    page.keyboard.type("Bäume")
    # CKAN 2.11 loads the results page; CKAN 2.12 swaps them in place (htmx) and pushes the address
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["Bäume"], timeout=180_000)
    page.wait_for_load_state()
    assert tab_until(page, ".nav-facet a"), "no facet is reachable with Tab"
    facet = page.evaluate("document.activeElement.getAttribute('href')")
    chosen = parse_qs(urlsplit(facet).query)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == chosen, timeout=180_000)
    page.wait_for_load_state()
    assert chosen and parse_qs(urlsplit(page.url).query) == chosen, (facet, page.url)  # the facet filtered
    assert page.locator(".dataset-item").count() >= 1
    page.goto(portal + f"/dataset/{trees}")
    assert tab_until(page, ".jena-download-link"), "the download is not reachable with Tab"
    assert_focus_visible(page, "download button")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok and response.body(), href   # what the focused link offers can be fetched
    page.goto(portal + "/")
    assert tab_until(page, "#home-search"), "the home page's search is not reachable with Tab"
    assert_focus_visible(page, "home search field")

    # reflow (WCAG 1.4.10): at 320 CSS pixels nothing needs sideways scrolling
    page.set_viewport_size({"width": 320, "height": 800})
    for label in ("home", "dataset", "explainer"):
        page.goto(portal + pages[label])
        width, wide = settled_width(page)
        if width > 320:
            screenshot(page, f"reflow-{label}")
        assert width <= 320, f"{label}: {width} CSS pixels wide at a 320 pixel viewport: {wide}"


def test_a_citizen_finds_trees_filters_reads_the_explainer_and_downloads_the_csv(portal, demo, page):
    page.goto(portal + "/")
    page.fill("#home-search", "Bäume")
    page.press("#home-search", "Enter")
    page.wait_for_load_state()
    assert "q=B" in page.url
    page.click(".nav-facet a:has-text('Stadtentwicklung, Umwelt und Verkehr')")
    page.wait_for_url(re.compile(r"action_fields="), timeout=180_000)
    # CKAN 2.12 swaps the results in place (htmx) and then pushes the address: no page load to wait for
    page.click(".nav-facet a:has-text('Gesamte Stadt Jena')")
    page.wait_for_url(re.compile(r"districts="), timeout=180_000)
    assert "action_fields=" in page.url and "districts=" in page.url
    page.click(f".dataset-heading a[href$='/dataset/{demo['trees']['name']}']")
    page.wait_for_load_state()
    section = page.locator("#einfach-erklaert")
    assert section.is_visible() and "Automatisch erstellt" in section.inner_text()
    page.click("#einfach-erklaert summary")
    assert page.locator("#explainer-about").is_visible() and "Worum geht es?" in section.inner_text()
    csv_link = page.locator(".jena-download-link", has_text="(CSV)").first
    with page.expect_download() as download:
        csv_link.click()
    with open(download.value.path(), encoding="utf-8-sig") as stream:
        header = stream.readline()
    assert header.count(",") + header.count(";") >= 2, header
    assert download.value.suggested_filename.lower().endswith(".csv"), download.value.suggested_filename


@pytest.mark.usefixtures(*FRESH)
def test_a_data_officer_creates_a_dataset_with_action_fields_and_reviews_its_explainer(portal, page):
    org = factories.Organization(org_type="fachdienst", title="Fachdienst Umweltschutz")
    officer = factories.User(password=PASSWORD, image_url="")
    helpers.call_action("organization_member_create", id=org["id"], username=officer["name"], role="editor")
    log_in(page, portal, officer["name"])
    page.goto(portal + "/dataset/new")
    fill_title(page, "Straßenbäume in Winzerla")  # the address (slug) follows the title
    page.fill("#field-notes", "Alle Straßenbäume im Ortsteil Winzerla mit Art und Pflanzjahr.")
    # the keyword field is an autocomplete widget: type into it as a person would
    choose(page, "field-tag_string", typed="Bäume")  # the widget offers what was typed
    assert page.input_value("#field-tag_string") == "Bäume"
    page.check("input[name=action_fields][value=stadtentwicklung-umwelt-verkehr]")
    page.check("input[name=action_fields][value=gruenstadtpflege]")
    page.select_option("#field-license_id", "dl-by-de/2.0", force=True)
    page.click("button[name=save]")
    page.wait_for_load_state()
    errors = page.locator(".error-explanation, .alert-danger, .alert-error")
    assert errors.count() == 0, errors.first.inner_text()
    # CKAN's second step: the data
    page.click("#resource-link-button")
    page.fill("#field-resource-url", "https://example.org/baeume-winzerla.csv")
    page.fill("#field-name", "Baumliste (CSV)")
    page.click("button[name=save][value=go-metadata]")
    page.wait_for_load_state()
    (dataset,) = helpers.call_action("package_search", q="title:Winzerla", include_private=True,
                                     context={"user": officer["name"], "ignore_auth": False})["results"]
    assert dataset["action_fields"] == ["stadtentwicklung-umwelt-verkehr", "gruenstadtpflege"]
    assert dataset["resources"][0]["url"] == "https://example.org/baeume-winzerla.csv"
    # the officer edits and reviews the explainer in the browser
    page.goto(portal + f"/dataset/{dataset['name']}")
    page.click("a:has-text('Erklärung bearbeiten')")
    # CKAN starts the page's JavaScript modules once its translations have loaded: typing
    # before that would go unheard by the live readability
    page.wait_for_load_state("networkidle")
    assert "Wiener Sachtextformel" in page.content()
    # readability while writing: a pause in typing asks the server; long words get marked
    page.fill("#section-about", "Die Straßenbaumbestandsaufnahme dokumentiert kommunalverwaltungsseitig "
                                "registrierte Gehölzindividuen einschließlich dendrologischer Charakteristika.")
    # (locator waits, not wait_for_function: that one evals its text in the page, which the
    # policy rightly refuses)
    score = page.locator("#score-about")
    playwright_api.expect(score.locator("mark.jena-long-word").first).to_be_visible()
    playwright_api.expect(score).to_contain_text("Straßenbaumbestandsaufnahme")
    assert page.locator("#score-about .jena-readability-warn").count() >= 1   # below the aims
    page.fill("#section-about", "Hier steht jeder Straßenbaum in Winzerla. Sie sehen Art und Pflanzjahr.")
    playwright_api.expect(score).not_to_contain_text("Straßenbaumbestandsaufnahme")
    assert page.locator("#score-about .jena-readability-warn").count() == 0
    page.check("#reviewed")
    page.click("button[name=action][value=save]")
    page.wait_for_load_state()
    assert "Die Erklärung wurde gespeichert." in page.content()
    page.goto(portal + f"/dataset/{dataset['name']}/explainer")
    text = page.locator("article").inner_text()
    assert "Von der Redaktion geprüft" in text and "Hier steht jeder Straßenbaum in Winzerla." in text


@pytest.mark.usefixtures(*FRESH)
def test_a_sysadmin_adds_a_harvest_source_and_runs_it(portal, page, source_catalog):
    org = factories.Organization(org_type="fachdienst", title="Fachdienst Geodaten")
    admin = factories.Sysadmin(password=PASSWORD, image_url="")
    log_in(page, portal, admin["name"])
    page.goto(portal + "/harvest/new")
    page.fill("#field-url", source_catalog)
    fill_title(page, "Partnerkatalog Test")  # the address (slug) follows: partnerkatalog-test
    page.check("input[name=source_type][value=jena_dcat]")
    choose(page, "field-organizations", value=org["id"])  # an autocomplete widget: open it, pick
    assert page.input_value("#field-organizations") == org["id"]
    hops = []
    page.on("response", lambda r: hops.append((r.status, r.url, r.headers.get("location"))))
    try:
        with page.expect_navigation():
            page.click("#save")
    except playwright_api.Error as exc:
        raise AssertionError(f"{exc} {hops}")
    assert "/harvest/" in page.url and "chrome-error" not in page.url, hops
    source = helpers.call_action("harvest_source_show", id="partnerkatalog-test")
    page.goto(portal + "/harvest/admin/partnerkatalog-test")
    reharvest = "a:has-text('Erneut harvesten')"  # ckanext-harvest's "Reharvest", German from our catalogue
    # CKAN's confirm-action module binds the link after the page has loaded (later on a busy
    # machine: a fresh-clone run under load clicked before it and waited for the dialog in vain)
    page.wait_for_function(
        """selector => { const link = document.querySelector(selector);
             const made = window.ckan && ckan.module && ckan.module.instances['confirm-action'];
             return !!link && !!made && made.some(instance => instance.el && instance.el[0] === link); }""",
        arg="a[data-module='confirm-action'][href*='refresh']", timeout=180_000)
    page.click(reharvest)
    page.click(".modal.show .btn-primary")  # "please confirm"
    page.wait_for_load_state()
    (job,) = helpers.call_action("harvest_job_list", source_id=source["id"])
    assert job["status"] in ("New", "Running")
    drain_harvest_queues()  # what `make run`'s gather and fetch consumers do
    page.goto(portal + "/harvest/partnerkatalog-test/job/last")
    assert "Finished" in page.content() or "Beendet" in page.content()
    # the source's page lists its datasets (ckanext-harvest asks the index for the source id)
    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{source["id"]}"')
    assert found["count"] == 3
    page.goto(portal + "/harvest/partnerkatalog-test")
    assert page.locator(".dataset-item").count() == 3
    page.goto(portal + "/dataset/?q=Messreihe")
    assert page.locator(".dataset-item").count() == 3


def drain_harvest_queues() -> None:
    """Take every message off ckanext-harvest's Redis queues and hand it to its own callbacks,
    as `ckan harvester gather-consumer` / `fetch-consumer` do, then finish the job."""
    from ckanext.harvest import queue
    for consumer_of, callback in ((queue.get_gather_consumer, queue.gather_callback),
                                  (queue.get_fetch_consumer, queue.fetch_callback)):
        consumer = consumer_of()
        while consumer.redis.llen(consumer.routing_key):
            method, header, body = next(consumer.consume(queue=None))
            callback(consumer, method, header, body)
    helpers.call_action("harvest_jobs_run")


@pytest.fixture
def source_catalog():
    from tests.harvest import catalog
    from tests.harvest.server import FixtureServer
    server = FixtureServer()
    url = catalog.serve(server, [catalog.dataset(n) for n in range(1, 4)])
    yield url
    server.stop()
