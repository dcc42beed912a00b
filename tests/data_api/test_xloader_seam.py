"""ckanext-xloader loads tables into the DataStore, but downloads only through the portal's
guarded client: internal addresses are refused and the load is reported failed with the reason."""
import socket
import threading

import pytest

from ckan.tests import factories, helpers

from ckanext.jena.data import xloader_seam
from tests.data_api.conftest import data_marks, run_jobs

pytestmark = data_marks()

CSV = "Ortsteil;Jahr;Bäume\nWinzerla;2021;120\nLobeda-Altstadt;2022;80\nZwätzen;2023;95\n".encode("utf-8")


def status(resource_id: str) -> dict:
    return helpers.call_action("xloader_status", resource_id=resource_id)


@pytest.fixture
def listener():
    """A real listener on 127.0.0.1 that records whether anybody connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    connected = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connected.append(connection.recv(1024))
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 8\r\n\r\ngeheim;1")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    stop.set()
    thread.join()
    server.close()


def test_the_seam_fits_the_installed_xloader():
    """Fails loudly when ckanext-xloader changes what the seam replaces."""
    xloader_seam.check()
    from ckanext.xloader import jobs
    assert jobs._download_resource_data is xloader_seam.download_resource_data
    assert jobs.get_response is xloader_seam.refuse_response


def test_the_check_fails_when_xloader_renames_its_download(monkeypatch):
    from ckanext.xloader import jobs
    monkeypatch.delattr(jobs, "_jena_original__download_resource_data")
    monkeypatch.setattr(jobs, "_download_resource_data", lambda url: None)
    with pytest.raises(xloader_seam.SeamBroken):
        xloader_seam.check()


def test_an_internal_address_is_never_fetched_and_the_load_is_reported_failed(listener):
    port, connected = listener
    dataset = factories.Dataset()
    resource = factories.Resource(package_id=dataset["id"], url=f"http://127.0.0.1:{port}/intern.csv",
                                  format="CSV")
    run_jobs()
    assert connected == []
    outcome = status(resource["id"])
    assert outcome["status"] == "error"
    assert "interne Adresse" in str(outcome["error"]) and "internal address" in str(outcome["error"])
    assert not helpers.call_action("resource_show", id=resource["id"]).get("datastore_active")


@pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1")
def test_an_allow_listed_csv_is_loaded_and_searchable(files):
    files.add("/baeume.csv", CSV, content_type="text/csv")
    dataset = factories.Dataset()
    resource = factories.Resource(package_id=dataset["id"], url=files.url("/baeume.csv"), format="CSV")
    run_jobs()
    assert status(resource["id"])["status"] == "complete"
    found = helpers.call_action("datastore_search", resource_id=resource["id"], filters={"Ortsteil": "Zwätzen"})
    assert [row["Bäume"] for row in found["records"]] == [95]


@pytest.mark.ckan_config("ckanext.jena.data.allowed_hosts", "127.0.0.1")
def test_the_scheduler_submits_tables_never_submitted(files):
    """A portal whose resources predate the DataStore (here: the task and the job are gone)."""
    from ckanext.jena.data import logic
    from ckanext.jena.scheduler import periodic_tasks
    from ckan.lib import jobs
    files.add("/vorher.csv", CSV, content_type="text/csv")
    resource = factories.Resource(package_id=factories.Dataset()["id"], url=files.url("/vorher.csv"), format="CSV")
    factories.Resource(package_id=factories.Dataset()["id"], url=files.url("/bild.png"), format="PNG")
    jobs.get_queue().empty()
    task = helpers.call_action("task_status_show", entity_id=resource["id"], task_type="xloader", key="xloader")
    helpers.call_action("task_status_delete", id=task["id"])
    assert logic.missing_tables() == [resource["id"]]
    task = next(t for t in periodic_tasks() if t.name == "data: submit tables not yet loaded")
    assert task.run() == "1 tables submitted for loading"
    assert logic.missing_tables() == []
    run_jobs()
    assert status(resource["id"])["status"] == "complete"
    assert task.run() == "0 tables submitted for loading"
