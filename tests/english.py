"""Finding English in the text a person sees on a page meant to be Indonesian.

Three sources of English, each read from where it comes from rather than guessed:

- Kirab's own catalogue: every English msgid whose Indonesian msgstr differs.
  Whatever reaches a page untranslated arrives as one of these.
- The libraries' built-in messages, which never pass through the catalogue
  unless Kirab routes them there: the messages in WTForms' source
  (``gettext("...")``), the sentences in Flask-WTF's and Flask-Login's
  source (CSRF refusals, "Please log in..."), and Werkzeug's HTTP error
  names and descriptions ("Bad Request", "The browser (or proxy) sent...").
- English function words, matched as whole words in any case: text that is
  in none of the above (a literal in a template, a new message not yet in
  the catalogue) still needs words such as "the", "must" or "please".

A page's visible text is what a person or a screen reader gets: text
outside scripts and styles, the attributes that are read out (alt,
title, placeholder, aria-label, the labels of buttons), and the texts kept
in ``data-`` attributes for the scripts to show. What a person
typed (values of inputs, text areas) is theirs, not the interface's, and is
left out.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

import kirab

CATALOGUE = Path(kirab.__file__).parent / "translations/id/LC_MESSAGES/messages.po"
# Words that only English uses, matched whole and in any case. Words Indonesian also
# writes ("data", "valid", "status", "total", "media", "per", "online") are left out,
# and so are short ones that occur inside Indonesian spellings ("80-an", "check-in").
_WORDS = """
    the is are was were be been being must not please field fields invalid required
    this that these those with without from your you cannot could should would will
    can has have had does did which when where what who why how only and or but if
    than then there here again try enter choose select click sorry error request
    page found forbidden allowed too many large expired missing least most between
    minute minutes hour hours seconds saved deleted changed cancelled published
"""
FUNCTION_WORDS = frozenset(_WORDS.split())
# Proper names that read as English but are names in Indonesian too (PRODUCT.md):
# the kind of event "KPU Goes To Campus", and the signing scheme the webhooks page names.
NAMES = ("KPU Goes To Campus", "Standard Webhooks")
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")
ADDRESS = re.compile(r"\b(?:https?|webcal)://\S+|\S+@\S+\.\w+")
# Attributes whose text is shown or read out.
SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description")
PROSE = re.compile(r"[^\W\d_]{2,} [^\W\d_]{2,}")
SILENT = {"script", "style", "template", "textarea"}
LIBRARIES = ("wtforms", "flask_wtf", "flask_login")


class VisibleText(HTMLParser):
    """The text of a page a person sees or hears, in one string."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag, attrs):
        """Note the spoken attributes; enter a silent element."""
        attributes = dict(attrs)
        if tag in SILENT:
            self.silent += 1
        self.parts.extend(
            attributes[name] or "" for name in SPOKEN_ATTRIBUTES if name in attributes
        )
        # Texts the scripts show later (data-text, data-copied...): prose, unlike ids and URLs.
        self.parts.extend(
            value
            for name, value in attributes.items()
            if name.startswith("data-") and value and PROSE.search(value)
        )
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        """Leave a silent element."""
        if tag in SILENT and self.silent:
            self.silent -= 1

    def handle_data(self, data):
        """Text outside silent elements is seen."""
        if not self.silent:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The visible text of an HTML page (or a plain text answer), whitespace collapsed."""
    parser = VisibleText()
    parser.feed(page)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def _pattern(message: str) -> tuple[str, re.Pattern] | None:
    """A search for ``message`` as a page shows it: placeholders filled, markup gone.

    Gives the longest literal piece (a quick first test) and the full
    pattern, or None for a message with no letters of its own. The search
    begins and ends with literal text, never with a placeholder's value.
    """
    text = " ".join(TAG.sub("\x00", message).split())
    pieces = [piece.strip() for piece in PLACEHOLDER.sub("\x00", text).split("\x00")]
    while pieces and not pieces[0]:
        pieces.pop(0)
    while pieces and not pieces[-1]:
        pieces.pop()
    if not any(re.search(r"[A-Za-z]{2,}", piece) for piece in pieces):
        return None
    body = r".{0,120}?".join(re.escape(piece) for piece in pieces)
    start = r"(?<!\w)" if re.match(r"\w", pieces[0]) else ""
    end = r"(?!\w)" if re.search(r"\w$", pieces[-1]) else ""
    return max(pieces, key=len), re.compile(start + body + end)


@cache
def catalogue_english() -> tuple[str, ...]:
    """Every English msgid of the catalogue whose Indonesian differs (plurals both forms)."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.update(text for text in ids if text not in strings)
    return tuple(sorted(found))


def _sentences(path: Path) -> set[str]:
    """The English sentences written as string literals in a module (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.fullmatch(r"[A-Z][^\n]{6,200}[.!?]", node.value)
        and node.value.count(" ") >= 2
    }


@cache
def library_english() -> tuple[str, ...]:
    """The libraries' own English messages, read from their installed source."""
    import importlib

    from werkzeug.exceptions import default_exceptions
    from werkzeug.http import HTTP_STATUS_CODES

    found = set()
    for name in LIBRARIES:
        package = Path(importlib.import_module(name).__file__).parent
        for path in package.rglob("*.py"):
            found |= _sentences(path)
            source = path.read_text(encoding="utf-8")
            found.update(re.findall(r'\bn?gettext\(\s*"((?:[^"\\]|\\.)+)"', source))
    # Werkzeug's error pages: the status's name ("Bad Request") and the description.
    found.update(name for code, name in HTTP_STATUS_CODES.items() if code >= 400)
    found.update(" ".join(error.description.split()) for error in default_exceptions.values())
    return tuple(sorted(found))


def _telling(message: str) -> bool:
    """Whether ``message`` tells English by itself.

    A single lowercase word ("party", "kind", "%(n)d events") is a word of a
    sentence, and an identifier spelled the same (a CSV column, a query
    parameter or its value) is no English on an Indonesian page; the
    function words stand for such words.
    """
    words = re.findall(r"[A-Za-z]+", PLACEHOLDER.sub(" ", TAG.sub(" ", message)))
    return len(words) > 1 or any(not word.islower() for word in words)


@cache
def _searches() -> tuple[tuple[str, re.Pattern], ...]:
    messages = {*catalogue_english(), *library_english()}
    patterns = (_pattern(text) for text in messages if _telling(text))
    return tuple(pattern for pattern in patterns if pattern)


# Whole words only: a column name such as ``party_number`` or ``hands_over`` is no prose.
WORD = re.compile(r"(?<![\w'])[A-Za-z]+(?![\w])")


def english_in(text: str) -> list[str]:
    """The English found in ``text`` (a page's visible text): messages, then words."""
    # An address reads the same in every language (/events/1/check-in/...).
    text = ADDRESS.sub(" ", text)
    for name in NAMES:
        text = text.replace(name, " ")
    found = [
        match.group(0)
        for piece, search in _searches()
        if piece in text and (match := search.search(text))
    ]
    words = {word.lower() for word in WORD.findall(text)}
    found += sorted(words & FUNCTION_WORDS)
    return found


def english_on_page(page: str) -> list[str]:
    """The English in the visible text of an HTML page."""
    return english_in(visible_text(page))
