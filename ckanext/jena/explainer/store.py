"""The explainers' own tables: jena_explainer (the text per dataset and language, who edited and
reviewed it, the latest automatic draft) and jena_explainer_profile (what profiling found in each
resource). Harvesting never writes here, so an officer's text survives every re-harvest.

Plain SQL through ckan.model's session, like the other capabilities' tables; the tables come from
the plugin's migrations (ckanext/jena/migration/jena_explainer/)."""
from __future__ import annotations

import datetime
import json
from typing import Optional

import sqlalchemy as sa
from ckan import model

COLUMNS = ("dataset_id", "lang", "sections", "edited", "draft", "draft_fingerprint", "basis",
           "generator", "generated_at", "edited_by", "edited_at", "reviewed_by", "reviewed_at", "owned")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def tables_exist() -> bool:
    return bool(model.Session.execute(sa.text(
        "SELECT to_regclass('public.jena_explainer') IS NOT NULL")).scalar())


def rollback() -> None:
    model.Session.rollback()


def explainers(dataset_id: str, for_update: bool = False) -> dict:
    """{lang: row as dict} of one dataset. ``for_update``: lock the rows until the transaction
    ends, so that the background job and an officer saving at the same moment cannot overwrite
    each other's change."""
    lock = " FOR UPDATE" if for_update else ""
    rows = model.Session.execute(sa.text(
        f"SELECT {', '.join(COLUMNS)} FROM jena_explainer WHERE dataset_id = :id{lock}"), {"id": dataset_id})
    return {row[1]: dict(zip(COLUMNS, row)) for row in rows}


def summaries(dataset_ids: list, lang: str) -> dict:
    """{dataset_id: (the one-line summary, reviewed?)} for search results, in one query."""
    if not dataset_ids:
        return {}
    rows = model.Session.execute(sa.text(
        "SELECT dataset_id, sections->>'summary', reviewed_at IS NOT NULL FROM jena_explainer "
        "WHERE lang = :lang AND dataset_id = ANY(:ids)"), {"lang": lang, "ids": list(dataset_ids)})
    return {row[0]: (row[1], row[2]) for row in rows if row[1]}


def delete_profiles_except(dataset_id: str, resource_ids: list) -> None:
    """Forget the profiles of resources the dataset no longer has."""
    model.Session.execute(sa.text(
        "DELETE FROM jena_explainer_profile WHERE dataset_id = :id AND NOT (resource_id = ANY(:keep))"),
        {"id": dataset_id, "keep": list(resource_ids)})


def savepoint():
    """A nested transaction: a failing explainer query rolls back to here, not the caller's work."""
    return model.Session.begin_nested()


def save(row: dict) -> None:
    values = {key: row.get(key) for key in COLUMNS}
    for key in ("sections", "edited", "draft", "basis", "owned"):
        values[key] = json.dumps(values[key], ensure_ascii=False)
    assignments = ", ".join(f"{key} = EXCLUDED.{key}" for key in COLUMNS[2:])
    casts = {"sections": "CAST(:sections AS jsonb)", "edited": "CAST(:edited AS jsonb)",
             "draft": "CAST(:draft AS jsonb)", "basis": "CAST(:basis AS jsonb)", "owned": "CAST(:owned AS jsonb)"}
    placeholders = ", ".join(casts.get(key, f":{key}") for key in COLUMNS)
    model.Session.execute(sa.text(
        f"INSERT INTO jena_explainer ({', '.join(COLUMNS)}) VALUES ({placeholders}) "
        f"ON CONFLICT (dataset_id, lang) DO UPDATE SET {assignments}"), values)


def delete(dataset_id: str) -> None:
    model.Session.execute(sa.text("DELETE FROM jena_explainer WHERE dataset_id = :id"), {"id": dataset_id})
    model.Session.execute(sa.text("DELETE FROM jena_explainer_profile WHERE dataset_id = :id"), {"id": dataset_id})


def profiles(dataset_id: str) -> dict:
    """{resource_id: {"fingerprint", "profile", "error", "profiled_at"}}."""
    rows = model.Session.execute(sa.text(
        "SELECT resource_id, fingerprint, profile, error, profiled_at FROM jena_explainer_profile "
        "WHERE dataset_id = :id"), {"id": dataset_id})
    return {row[0]: {"fingerprint": row[1], "profile": row[2], "error": row[3], "profiled_at": row[4]}
            for row in rows}


def save_profile(resource_id: str, dataset_id: str, fingerprint: str, profile: Optional[dict],
                 error: Optional[dict]) -> None:
    model.Session.execute(sa.text(
        "INSERT INTO jena_explainer_profile (resource_id, dataset_id, fingerprint, profile, error, profiled_at) "
        "VALUES (:rid, :did, :fp, CAST(:profile AS jsonb), CAST(:error AS jsonb), :at) "
        "ON CONFLICT (resource_id) DO UPDATE SET dataset_id = EXCLUDED.dataset_id, "
        "fingerprint = EXCLUDED.fingerprint, profile = EXCLUDED.profile, error = EXCLUDED.error, "
        "profiled_at = EXCLUDED.profiled_at"),
        {"rid": resource_id, "did": dataset_id, "fp": fingerprint, "at": now(),
         "profile": json.dumps(profile) if profile is not None else None,
         "error": json.dumps(error, ensure_ascii=False) if error is not None else None})

