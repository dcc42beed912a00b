"""Reader of Excel workbooks (XLSX): the first filled sheet, values as Excel saved them (never
the formulas), streamed row by row; a workbook that would unpack beyond a limit is not opened."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Optional

from .table import ProfileError, _Table, _empty, _file, _late

KINDS = ("XLSX",)
MAX_XLSX_UNPACKED = 256 * 2**20  # bytes a workbook may unpack to


def read(data: bytes, kind: str, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    return _profile_xlsx(data, name, max_rows, deadline)


def _profile_xlsx(data: bytes, name: str, max_rows: int, deadline: Optional[float]) -> dict:
    import openpyxl  # only here: most resources are not workbooks

    en, de = _file(name)
    broken = ProfileError(f"{en} cannot be opened as an Excel workbook (XLSX). Check that it is a complete "
                          ".xlsx file; old .xls files cannot be read.",
                          f"{de} lässt sich nicht als Excel-Arbeitsmappe (XLSX) öffnen. Bitte prüfen, ob es "
                          "eine vollständige .xlsx-Datei ist; alte .xls-Dateien können nicht gelesen werden.")
    if not data:
        raise _empty(name)
    try:
        # a small file that unpacks to gigabytes would exhaust memory (openpyxl reads the shared
        # strings at once); zipfile never unpacks more than the sizes it checks here
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise broken from exc
    if unpacked > MAX_XLSX_UNPACKED:
        raise ProfileError(f"{en} unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MB and is not read.",
                           f"{de} ist entpackt größer als {MAX_XLSX_UNPACKED // 2**20} MB und wird nicht gelesen.")
    try:
        # read_only streams the rows; data_only takes the values Excel saved, never the formulas
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean a broken file
        raise broken from exc
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next((row for row in rows if _filled(row)), None)
            if header is None:
                continue
            width = max(i for i, value in enumerate(header) if value not in (None, "")) + 1
            table = _Table(_cell_text(value) for value in header[:width])
            truncated = False
            for row in rows:
                if not _filled(row):
                    continue
                if table.rows >= max_rows or _late(deadline, table.rows):
                    truncated = True
                    break
                table.add_row(row[:width])
            profile = table.finish("table", "XLSX", truncated)
            profile["sheet"] = sheet.title
            return profile
    except ProfileError:
        raise
    except Exception as exc:
        raise broken from exc
    finally:
        workbook.close()
    raise ProfileError(f"{en} has no filled sheet.", f"{de} hat kein ausgefülltes Tabellenblatt.")


def _filled(row) -> bool:
    return any(value is not None and (not isinstance(value, str) or value.strip()) for value in row)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()
