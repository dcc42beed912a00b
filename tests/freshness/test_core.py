"""Freshness as a pure function of the declared frequency, the last real change and the moment
it is judged at (no clock, no database)."""
import datetime

import pytest

from ckanext.jena.freshness import core

DAILY = "http://publications.europa.eu/resource/authority/frequency/DAILY"
MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
LAST = datetime.datetime(2026, 3, 1, 12, 0)


def at(days: float) -> datetime.datetime:
    return LAST + datetime.timedelta(days=days)


def test_a_monthly_dataset_goes_from_current_to_due_to_overdue_as_the_clock_moves():
    states = [(day, core.judge(MONTHLY, LAST, at(day))) for day in (0, 30, 31, 44, 45, 120)]
    assert [(day, r["state"]) for day, r in states] == [
        (0, "current"), (30, "current"), (31, "due"), (44, "due"), (45, "overdue"), (120, "overdue")]
    assert states[-1][1]["expected"] == "2026-04-01T12:00:00"
    assert states[-1][1]["days_overdue"] == 120 - 31


def test_a_daily_dataset_is_overdue_after_its_tolerance_of_two_days():
    assert core.judge(DAILY, LAST, at(0.5))["state"] == "current"
    assert core.judge(DAILY, LAST, at(2))["state"] == "due"
    assert core.judge(DAILY, LAST, at(3))["state"] == "overdue"


@pytest.mark.parametrize("frequency", [None, "", "IRREG", "http://publications.europa.eu/resource/authority/frequency/AS_NEEDED",
                                       "nonsense", 42, ["DAILY"], {"x": 1}, "<script>alert(1)</script>"])
def test_no_expectation_or_junk_is_not_stated(frequency):
    result = core.judge(frequency, LAST, at(1000))
    assert result["state"] == "unknown" and result["days_overdue"] == 0


def test_complete_data_never_becomes_overdue():
    assert core.judge("NEVER", LAST, at(10000))["state"] == "current"
    assert core.judge("NEVER", None, at(0))["state"] == "current"


def test_the_stated_dates_win_over_metadata_edits_and_harvests():
    harvested = datetime.datetime(2026, 6, 1)
    dataset = {"modified": "2026-01-15", "metadata_modified": "2026-05-01T10:00:00",
               "resources": [{"last_modified": "2026-02-01T08:00:00"}, {"last_modified": None}, "junk"]}
    assert core.last_change(dataset, harvested) == datetime.datetime(2026, 2, 1, 8, 0)
    # nothing says when the data changed: the metadata's change or the last harvest, the later
    assert core.last_change({"metadata_modified": "2026-05-01T10:00:00", "resources": []}, harvested) == harvested
    assert core.last_change({"metadata_modified": "2026-05-01T10:00:00"}) == datetime.datetime(2026, 5, 1, 10)
    assert core.last_change({"modified": "not a date", "metadata_modified": "garbage"}) is None
    assert core.last_change({"modified": "2026-01-15T10:00:00+02:00"}) == datetime.datetime(2026, 1, 15, 8)


def test_citizens_read_a_plain_sentence_in_german_and_english():
    result = core.judge(DAILY, LAST, at(91))
    assert core.sentence(result, at(91), "de") == "Sollte täglich aktualisiert werden; zuletzt aktualisiert vor 3 Monaten."
    assert core.sentence(result, at(91), "en") == "Should be updated daily; last updated 3 months ago."
    assert core.sentence(core.judge(None, None, at(0)), at(0), "de") == "Keine Angabe, wie oft aktualisiert wird."
    assert core.label("overdue", "de") == "überfällig"


def test_the_longest_overdue_comes_first():
    rows = [{"state": "current", "days_overdue": 0}, {"state": "overdue", "days_overdue": 3},
            {"state": "unknown", "days_overdue": 0}, {"state": "overdue", "days_overdue": 40}, {"state": "due", "days_overdue": 1}]
    assert [(r["state"], r["days_overdue"]) for r in core.worst_first(rows)] == [
        ("overdue", 40), ("overdue", 3), ("due", 1), ("current", 0), ("unknown", 0)]
