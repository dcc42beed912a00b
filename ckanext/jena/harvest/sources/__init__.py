"""One module per kind of source: how to list its records and map one onto the Jena schema."""
