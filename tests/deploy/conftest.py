from tests.harvest.conftest import clean_db, source_server  # noqa: F401 (fixtures: harvest tables, a source)
