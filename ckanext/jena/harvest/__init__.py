"""Harvesting the city's sources: CKAN portals, DCAT-AP catalogs, CSW geodata catalogues and the
SensorThings sensor platform (plugin jena_harvest, on ckanext-harvest)."""
