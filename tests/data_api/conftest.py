"""DataStore tests: the plugins (the DataStore database is the test database's NAME_datastore,
made by scripts/setup.sh database NAME; test.ini lets jena_data follow CKAN_SQLALCHEMY_URL) and
the job queue, run in process."""
import pytest
from rq import SimpleWorker

from ckan.lib import jobs
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401 (fixture)
from tests.harvest.server import FixtureServer

DATA_PLUGINS = "jena_data datastore xloader datatables_view"


def data_marks(plugins: str = DATA_PLUGINS) -> list:
    return [
        pytest.mark.ckan_config("ckan.plugins", plugins),
        pytest.mark.ckan_config("ckan.views.default_views", "datatables_view"),
        pytest.mark.usefixtures("with_plugins", "clean_db", "clean_datastore", "empty_queue"),
    ]


@pytest.fixture
def empty_queue():
    jobs.get_queue().empty()
    yield
    jobs.get_queue().empty()


def run_jobs() -> None:
    """Run the queued jobs here, one after the other, as `ckan jobs worker` would."""
    queue = jobs.get_queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.fixture(scope="module")
def files():
    server = FixtureServer()
    yield server
    server.stop()
