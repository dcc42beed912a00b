"""Small DCAT-AP.de catalogs in Turtle, paged with Hydra, for the harvest tests."""
from __future__ import annotations

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
THEME = "http://publications.europa.eu/resource/authority/data-theme/"


def dataset(number: int, title: str = "", notes: str = "", keyword: str = "Umwelt",
            identifier: str = "", place: str = "") -> dict:
    return {"number": number, "title": title or f"Messreihe Nummer {number}",
            "notes": notes or f"Beschreibung der Messreihe {number} aus Jena.", "keyword": keyword,
            "identifier": identifier or f"jena-test-{number}", "place": place}


def turtle(datasets: list[dict], page_path: str = "", next_path: str = "") -> str:
    parts = [PREFIXES, "<{base}/catalog> a dcat:Catalog ; dct:title \"Testkatalog\" ."]
    for d in datasets:
        n = d["number"]
        spatial = (f' ; dct:spatial [ a dct:Location ; <http://www.w3.org/2004/02/skos/core#prefLabel> "{d["place"]}" ]'
                   if d["place"] else "")
        parts.append(f"""
<{{base}}/catalog> dcat:dataset <https://daten.jena.invalid/dataset/{n}> .
<https://daten.jena.invalid/dataset/{n}> a dcat:Dataset ;
    dct:title "{d['title']}"@de ;
    dct:description "{d['notes']}"@de ;
    dct:identifier "{d['identifier']}" ;
    dcat:keyword "{d['keyword']}" ;
    dcat:theme <{THEME}ENVI> ;
    dct:issued "2024-01-0{n % 9 + 1}"^^xsd:date ;
    dct:publisher [ a foaf:Agent ; foaf:name "Stadt Jena" ] ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Fachdienst Umwelt" ; vcard:hasEmail <mailto:umwelt@jena.invalid> ] ;
    dcat:distribution <https://daten.jena.invalid/dataset/{n}/csv>{spatial} .
<https://daten.jena.invalid/dataset/{n}/csv> a dcat:Distribution ;
    dct:title "Messwerte als CSV" ;
    dcat:accessURL <https://daten.jena.invalid/files/{n}.csv> ;
    dcat:downloadURL <https://daten.jena.invalid/files/{n}.csv> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
    dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> .""")
    if page_path:
        view = f'<{{base}}{page_path}> a hydra:PartialCollectionView'
        if next_path:
            view += f' ; hydra:next <{{base}}{next_path}>'
        parts.append(view + " .")
    return "\n".join(parts) + "\n"


def serve(server, datasets: list[dict], per_page: int = 3, path: str = "/catalog.ttl") -> str:
    """Serve ``datasets`` at ``path`` (page 1) and ``path?page=N``; returns the first page's URL."""
    pages = [datasets[i:i + per_page] for i in range(0, len(datasets), per_page)] or [[]]
    for index, page in enumerate(pages, 1):
        page_path = path if index == 1 else f"{path}?page={index}"
        next_path = f"{path}?page={index + 1}" if index < len(pages) else ""
        server.add(page_path, turtle(page, page_path, next_path))
    return server.url(path)
