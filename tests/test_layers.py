"""The capabilities are layers, and an arrow only points down (docs: /work/shared/STYLE.md, issue 20):

    shared helpers (net, urls, lang, purge, settings, extras, after_commit, concurrency, cli's group,
    scheduler, security)
    -> search, taxonomy -> schema -> dcat -> harvest, quality -> explainer -> theme, demo, backup

A module may import its own capability, the shared helpers and anything in a lower layer; never
a higher layer or a peer in its own layer (a higher capability adds to a lower one's output
through the lower one's extension point: an RDF profile chain, an interface, an action). No
module imports another capability's private (underscore) names, and no module outside harvest/
runs SQL on ckanext-harvest's tables. Parsed with ast, so imports inside functions count too."""
import ast
import os
import re

import pytest

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "ckanext", "jena")
SHARED = 0
LAYERS = {
    "net": SHARED, "urls": SHARED, "lang": SHARED, "purge": SHARED, "settings": SHARED, "cli": SHARED,
    "scheduler": SHARED, "security": SHARED, "i18n": SHARED, "migration": SHARED, "cache": SHARED,
    "extras": SHARED, "after_commit": SHARED, "concurrency": SHARED,
    "search": 1, "taxonomy": 1,
    "schema": 2,
    "dcat": 3, "freshness": 3,
    "harvest": 4, "quality": 4, "data": 4, "charts": 4, "maps": 4,
    "explainer": 5, "feeds": 5, "datarequest": 5,
    "theme": 6, "demo": 6, "backup": 6, "follow": 6,
    "wsgi": 7,  # the WSGI entry point loads the whole portal
}
# Arrows that still point up, each with its reason; the test fails when one is gone (shrink the
# list) or a new one appears. Empty is the goal.
KNOWN = {}
# Pairs that stay apart even where the layers would allow the arrow (issue 20, "Done when")
NEVER = {("explainer", "harvest"): "the explainer asks harvest through actions (jena_harvest_source_facts)"}
HARVEST_SQL = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+harvest_(?:object|source|job|gather)\w*", re.I)


def capability(module: str):
    """'ckanext.jena.harvest.sources.dcat' -> 'harvest'; None outside ckanext.jena."""
    parts = module.split(".")
    if parts[:2] != ["ckanext", "jena"] or len(parts) < 3:
        return None
    return parts[2]


def modules(package: str = ""):
    package = package or PACKAGE
    for folder, _dirs, files in os.walk(package):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, package)
                dotted = "ckanext.jena." + relative[:-3].replace(os.sep, ".")
                if dotted.endswith(".__init__"):
                    dotted = dotted[: -len(".__init__")]
                yield relative, dotted, path


def imports(dotted: str, path: str):
    """(imported module, [names used from it], line) for every import in the file, relative ones
    resolved; an imported module's underscore attributes (``store._rows``) count as names."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    package = dotted if path.endswith("__init__.py") else dotted.rsplit(".", 1)[0]
    aliases = {}  # local name -> module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            # `from ckanext.jena import lang` imports the module ckanext.jena.lang
            if capability(module) is None and module == "ckanext.jena":
                for name in names:
                    yield f"ckanext.jena.{name}", [], node.lineno
            else:
                yield module, names, node.lineno
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            yield aliases[node.value.id], [node.attr], node.lineno


def find_violations(package: str = ""):
    found = {}
    for relative, dotted, path in modules(package):
        own = capability(dotted)
        for module, names, line in imports(dotted, path):
            other = capability(module)
            if other is None or other == own:
                continue
            where = f"{relative}:{line}"
            if own not in LAYERS or other not in LAYERS:
                found.setdefault((relative.replace(os.sep, "/"), other), []).append(
                    f"{where}: {own} or {other} has no layer in tests/test_layers.py")
                continue
            mine, theirs = LAYERS[own], LAYERS[other]
            if (own, other) in NEVER:
                found.setdefault((relative.replace(os.sep, "/"), other), []).append(
                    f"{where}: {own} imports {module}; {NEVER[(own, other)]}")
            elif theirs > mine or (theirs == mine and mine != SHARED):
                found.setdefault((relative.replace(os.sep, "/"), other), []).append(
                    f"{where}: {own} (layer {mine}) imports {module} (layer {theirs})")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                found.setdefault((relative.replace(os.sep, "/"), other), []).append(
                    f"{where}: imports {other}'s private {', '.join(private)}")
    return found


def test_every_capability_folder_and_shared_module_has_a_layer():
    names = {relative.split(os.sep)[0].removesuffix(".py") for relative, _d, _p in modules()}
    assert names - {"__init__"} <= set(LAYERS), sorted(names - {"__init__"} - set(LAYERS))


def test_no_capability_imports_a_higher_one_or_another_ones_private_names():
    found = find_violations()
    new = {key: lines for key, lines in found.items() if key not in KNOWN}
    assert new == {}, "\n".join(line for lines in new.values() for line in lines)
    gone = set(KNOWN) - set(found)
    assert not gone, f"fixed, remove from KNOWN: {sorted(gone)}"


def test_only_harvest_reads_ckanext_harvests_tables():
    offenders = []
    for relative, _dotted, path in modules():
        if relative.split(os.sep)[0] == "harvest":
            continue
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and HARVEST_SQL.search(node.value):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("source, expected", [
    # what the checks must catch (examples of the arrows issue 20 removed)
    ("from ckanext.jena.explainer import dcat as explainer_dcat\n", "dcat (layer 3) imports ckanext.jena.explainer"),
    ("from ckanext.jena.harvest.fetch import _guard\n", "imports harvest's private _guard"),
    ("def f():\n    from ..quality import score\n", "dcat (layer 3) imports ckanext.jena.quality"),
    ("from ckanext.jena.schema import places\nplaces._cache\n", "imports schema's private _cache"),
])
def test_the_check_catches_an_upward_import_and_a_private_name(tmp_path, source, expected):
    (tmp_path / "dcat").mkdir()
    (tmp_path / "dcat" / "probe.py").write_text(source, encoding="utf-8")
    (tmp_path / "explainer").mkdir()
    (tmp_path / "explainer" / "probe.py").write_text("from ckanext.jena.harvest import fetch\n", encoding="utf-8")
    lines = [line for lines in find_violations(str(tmp_path)).values() for line in lines]
    assert any(expected in line for line in lines), lines
    assert any("explainer imports ckanext.jena.harvest" in line for line in lines), lines
