"""Shared fixtures. CKAN's own pytest plugin (ckan.tests.pytest_ckan) provides clean_db,
clean_index, with_plugins, ckan_config and the factories; run with --ckan-ini=test.ini."""
