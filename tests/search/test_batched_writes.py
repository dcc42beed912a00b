"""Issue 21: a harvest indexes its records 100 at a time, and jena_search writes the documents of
such a batch together (``backend.batched_writes``): one look-up of new words for all of them
instead of one per dataset. What is held must never be lost or hidden: a search in between sees
it, a deletion in between wins over it, and a document that cannot be written fails alone."""
import pytest
import sqlalchemy as sa

import ckan.lib.search as search
import ckan.logic as logic
from ckan import model
from ckan.tests import factories, helpers

from ckanext.jena.search import backend, db

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


def recorded(function, *args, **kwargs):
    db.statement_recorder = []
    try:
        function(*args, **kwargs)
        return [sql for sql, _params in db.statement_recorder]
    finally:
        db.statement_recorder = None


def word_lookups(statements):
    return [sql for sql in statements if "jena_search_word y" in sql]


def indexed_names():
    return sorted(model.Session.execute(sa.text(
        "SELECT name FROM jena_search_document WHERE dataset_type = 'dataset'")).scalars())


def forms(package_id):
    """What CKAN's rebuild hands to index_package for this dataset."""
    if hasattr(logic, "package_show_default_and_custom_schemas"):  # CKAN 2.12: both forms
        default, custom = logic.package_show_default_and_custom_schemas({"ignore_auth": True}, package_id)
        return dict(default, with_custom_schema=custom)
    return helpers.call_action("package_show", context={"ignore_auth": True, "validate": False,
                                                        "use_cache": False}, id=package_id)  # CKAN 2.11


def rebuild_in_a_batch(ids):
    with backend.batched_writes():
        search.rebuild(package_ids=ids, defer_commit=True, quiet=True)


def test_a_batch_looks_up_new_words_once_and_indexes_every_dataset():
    datasets = [factories.Dataset(name=f"satz-{n}", title=f"Messreihe {n}", notes=f"Wörter Nummer{n}")
                for n in range(3)]
    ids = [d["id"] for d in datasets]
    search.clear_all()
    model.Session.commit()
    one_by_one = recorded(search.rebuild, package_ids=ids, defer_commit=True, quiet=True)
    assert len(word_lookups(one_by_one)) == 3
    search.clear_all()
    model.Session.commit()
    assert indexed_names() == []
    together = recorded(rebuild_in_a_batch, ids)
    assert len(word_lookups(together)) == 1, together
    model.Session.commit()
    assert indexed_names() == ["satz-0", "satz-1", "satz-2"]
    found = helpers.call_action("package_search", q="Nummer2")
    assert [d["name"] for d in found["results"]] == ["satz-2"]


def test_a_search_inside_a_batch_sees_what_was_indexed_before_it():
    first = factories.Dataset(name="zuerst", title="Radwege im Stadtgebiet")
    search.clear_all()
    model.Session.commit()
    with backend.batched_writes():
        search.rebuild(package_ids=[first["id"]], defer_commit=True, quiet=True)
        assert search.show("zuerst")["id"] == first["id"]
        found = helpers.call_action("package_search", q="Radwege")
        assert [d["name"] for d in found["results"]] == ["zuerst"]


def test_a_deletion_inside_a_batch_wins_over_the_write_held_before_it():
    gone = factories.Dataset(name="geloescht")
    search.clear_all()
    model.Session.commit()
    with backend.batched_writes():
        search.rebuild(package_ids=[gone["id"]], defer_commit=True, quiet=True)
        search.index_for("package").delete_package({"id": gone["id"]})
    model.Session.commit()
    assert indexed_names() == []


def test_a_document_that_cannot_be_written_fails_alone():
    good = factories.Dataset(name="gut", notes="Ordentliche Beschreibung")
    bad = factories.Dataset(name="kaputt", notes="Ordentlich")
    search.clear_all()
    model.Session.commit()
    bad_form = forms(bad["id"])
    bad_form["messwert"] = float("nan")  # JSON's NaN, which PostgreSQL's jsonb refuses
    index = search.index_for("package")
    with pytest.raises(search.SearchIndexError) as failure:
        with backend.batched_writes():
            index.index_package(forms(good["id"]), defer_commit=True)
            index.index_package(bad_form, defer_commit=True)
    assert "1 of 2" in str(failure.value) and "kaputt" in str(failure.value)
    model.Session.commit()
    assert indexed_names() == ["gut"]


def test_an_exception_inside_a_batch_writes_nothing_held():
    dataset = factories.Dataset(name="verworfen")
    search.clear_all()
    model.Session.commit()
    with pytest.raises(RuntimeError):
        with backend.batched_writes():
            search.rebuild(package_ids=[dataset["id"]], defer_commit=True, quiet=True)
            raise RuntimeError("the caller's work failed")
    model.Session.commit()
    assert indexed_names() == []
    # and the next write outside a batch is written at once again
    search.rebuild(package_ids=[dataset["id"]], defer_commit=True, quiet=True)
    model.Session.commit()
    assert indexed_names() == ["verworfen"]


@pytest.mark.parametrize("change", ["title", "deleted"])
def test_a_change_committed_by_another_process_meanwhile_is_not_overwritten(change):
    """The documents of a batch are read first and written at its end: an editor's change (or a
    deletion) committed in between has indexed itself, and the older document must not win."""
    dataset = factories.Dataset(name="gleichzeitig", title="Alter Titel")
    search.clear_all()
    model.Session.commit()
    with backend.batched_writes():
        search.rebuild(package_ids=[dataset["id"]], defer_commit=True, quiet=True)  # read now, held
        other = sa.create_engine(model.meta.engine.url, poolclass=sa.pool.NullPool)
        with other.begin() as conn:  # another process's committed change
            statement = ("UPDATE package SET title = 'Neuer Titel' WHERE id = :id" if change == "title"
                         else "UPDATE package SET state = 'deleted' WHERE id = :id")
            conn.execute(sa.text(statement), {"id": dataset["id"]})
        other.dispose()
    model.Session.commit()
    assert indexed_names() == []  # the held, older document was not written
    # an unchanged dataset of the same batch is
    fresh = factories.Dataset(name="unveraendert")
    search.clear_all()
    model.Session.commit()
    rebuild_in_a_batch([fresh["id"]])
    model.Session.commit()
    assert indexed_names() == ["unveraendert"]


def test_a_dataset_whose_creation_was_rolled_back_is_not_written():
    org = factories.Organization()
    with backend.batched_writes():
        created = helpers.call_action("package_create", context={"user": factories.Sysadmin()["name"],
                                                                 "defer_commit": True},
                                      name="zurueckgenommen", owner_org=org["id"])
        search.index_for("package").index_package(forms(created["id"]), defer_commit=True)  # held
        model.Session.rollback()
    model.Session.commit()
    assert "zurueckgenommen" not in indexed_names()
