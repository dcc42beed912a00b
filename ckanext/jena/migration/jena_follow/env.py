"""Alembic environment of jena_follow's migrations (ckanext/jena/migration/__init__.py)."""
from ckanext.jena.migration import run_env

run_env("jena_follow")
