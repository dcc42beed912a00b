"""Write docs/configuration.md, the reference of every ckanext-jena config key, from the
declarations (ckanext/jena/*/config_declaration.yaml), with CKAN's own renderer (the one
`ckan config docs -f md` uses). The declarations are the only place a key, its default and
its description are written; this file is never edited by hand.

Usage, from anywhere, with the project's venv::

    .venv/bin/python scripts/config_docs.py           # rewrite docs/configuration.md
    .venv/bin/python scripts/config_docs.py --check   # exit 1 if it is out of date

tests/test_config_docs.py runs the check.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys

import yaml
from ckan.config.declaration import Declaration

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPOSITORY, "docs", "configuration.md")
HEADER = """# Configuration reference

Every config key of ckanext-jena, by capability, with its default. Set them in the `[app:main]`
section of the CKAN ini file (the demo's is `config/ckan.ini.template`).

This file is generated from the declarations in `ckanext/jena/*/config_declaration.yaml` by
`scripts/config_docs.py`; edit a declaration and run the script, never this file
(`tests/test_config_docs.py` fails when it is out of date).

"""


def declaration_files() -> list[str]:
    return sorted(glob.glob(os.path.join(REPOSITORY, "ckanext", "jena", "*", "config_declaration.yaml")))


def render() -> str:
    parts = [HEADER]
    for path in declaration_files():
        declaration = Declaration()
        with open(path, encoding="utf-8") as f:
            declaration.load_dict(yaml.safe_load(f))
        parts.append(declaration.into_docs("md").strip() + "\n\n")
    return "".join(parts).rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that docs/configuration.md is current")
    args = parser.parse_args()
    text = render()
    if args.check:
        try:
            with open(DOCS, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print("docs/configuration.md is out of date: run scripts/config_docs.py", file=sys.stderr)
            return 1
        return 0
    with open(DOCS, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(DOCS)} ({len(declaration_files())} declaration files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
