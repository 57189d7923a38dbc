"""Reading the CSV files people upload: their encoding and their delimiter.

Spreadsheets save CSV in several ways: Excel's "CSV UTF-8" is UTF-8 with a
byte order mark, its "Unicode text" is UTF-16 with a mark and tabs between
the cells, and its plain "CSV" is Windows-1252 on most Indonesian and
Western machines, with commas or semicolons as the locale wants. Every
importer reads its file through ``decode_csv`` and ``csv_reader``, so all
of them accept the same files and refuse the others with the same words.
"""

from __future__ import annotations

import codecs
import csv
import io

from flask_babel import gettext as _

from kirab.errors import DomainError
from kirab.text import CONTROL

# Byte order marks and the encoding each names; UTF-32's come first, since a
# UTF-32 mark starts with UTF-16's.
MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32", None),
    (codecs.BOM_UTF32_BE, "UTF-32", None),
    (codecs.BOM_UTF8, "UTF-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16"),
)
# How workbooks begin (xlsx is a zip archive, xls an OLE compound file).
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
DELIMITERS = (",", ";", "\t")
# Old DOS programs end a text file with Ctrl-Z.
END_OF_FILE = "\x1a"


def _unmarked(data: bytes) -> list[str]:
    """The encodings a file without a byte order mark may be in, most likely first.

    UTF-16 text of Latin letters holds a NUL in every other byte, and other
    text none: a file that is a quarter NULs or more is read as UTF-16 of
    the byte order its NULs show.
    """
    if data.count(0) * 4 < len(data):
        return ["utf-8", "cp1252"]
    odd_nuls = data[1::2].count(0)
    return ["utf-16-le" if odd_nuls >= data[0::2].count(0) else "utf-16-be"]


def _decoded(data: bytes, field: str) -> str:
    """The file as text in the first encoding it reads in; a DomainError naming what was found."""
    if data.startswith(WORKBOOKS):
        raise DomainError(
            _("The file is an Excel workbook, not CSV text. "
              "Save it as “CSV UTF-8” and try again."), field,
        )  # fmt: skip
    for mark, name, codec in MARKS:
        if data.startswith(mark):
            if codec is None:
                raise DomainError(
                    _("The file is in %(encoding)s, which cannot be read here. "
                      "Save it as “CSV UTF-8” and try again.", encoding=name), field,
                )  # fmt: skip
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise DomainError(
                    _("The file is marked as %(encoding)s but is not valid %(encoding)s. "
                      "Save it as “CSV UTF-8” and try again.", encoding=name), field,
                ) from None  # fmt: skip
    for codec in _unmarked(data):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        _("The file is not text in UTF-8, UTF-16 or Windows-1252. "
          "Save it as “CSV UTF-8” and try again."), field,
    )  # fmt: skip


def decode_csv(data: bytes, field: str = "file") -> str:
    """The text of an uploaded CSV file in UTF-8, UTF-16 or Windows-1252.

    A file in any other form is refused with a DomainError on ``field`` that
    names what it is, as is text holding control characters (which no
    spreadsheet writes, and PostgreSQL cannot store as a NUL).
    """
    text = _decoded(data, field).removesuffix(END_OF_FILE)
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise DomainError(
            _("Line %(line)d of the file holds control characters; "
              "only text can be imported.", line=line), field,
        )  # fmt: skip
    return text


def csv_reader(text: str):
    """A CSV reader over ``text``, split by the delimiter its first line uses most."""
    first_line = text.splitlines()[0] if text else ""
    delimiter = max(DELIMITERS, key=first_line.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
