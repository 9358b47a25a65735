"""The message catalogues: extraction, update and checks, in one place.

`make translations` runs `python -m casework.i18n update`: it extracts every message
from the code and templates (babel.cfg says which files, KEYWORDS which calls), merges
them into the Spanish and English catalogues and compiles them. `make run` and
`make test` only compile (`pybabel compile`): compiled catalogues are build products.
tests/unit/test_translations.py uses the same extraction to fail on any message with
no Spanish translation or with placeholders that differ from the original.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "casework" / "translations"
LOCALES = ("es", "en")
SOURCE_LOCALE = "en"
# gettext's defaults plus Flask-Babel's lazy forms, as imported across the code.
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2),
    "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdif%r]")


def extract() -> Catalog:
    """Every message of the code and templates, with where it is used."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="casework", version="1", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True,
            directory_filter=_searched):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _searched(dirpath: str) -> bool:
    # Babel's default skips folders starting with "_": that would miss templates/_macros.
    name = Path(dirpath).name
    return not name.startswith(".") and name not in ("__pycache__", "node_modules")


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    with open(catalog_path(locale), "rb") as po:
        return read_po(po, locale=locale)


def translated(message: Message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What is missing or wrong in `catalog` for the messages of `template`."""
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        key = message.id if isinstance(message.id, str) else message.id[0]
        if entry is None or not translated(entry) or entry.fuzzy:
            found.append(f"{catalog.locale}: no translation for {key!r}")
            continue
        originals = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        expected = placeholders(originals[0])
        for form in strings:
            if placeholders(form) != expected and placeholders(form) != placeholders(
                    originals[-1]):
                found.append(f"{catalog.locale}: placeholders differ in {key!r}: {form!r}")
    return found


def update() -> None:
    """Extract, merge into every catalogue, compile. New English entries translate to
    themselves (English is the source language); new Spanish ones stay empty, and the
    translation test names them."""
    template = extract()
    template.creation_date = datetime.now(UTC)
    with open(TRANSLATIONS / "messages.pot", "wb") as pot:
        write_po(pot, template, omit_header=False, sort_output=True, width=88,
                 include_lineno=False)
    for locale in LOCALES:
        catalog = read(locale)
        # No fuzzy matching: a guessed translation of a near-identical message is how
        # "may" becomes "may not" unnoticed.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.project, catalog.version = "casework", "1"
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id and not translated(message):
                    message.string = message.id
        with open(catalog_path(locale), "wb") as po:
            write_po(po, catalog, sort_output=True, width=88, include_lineno=False)
    compile_all()


def compile_all(*, only_stale: bool = False) -> None:
    """Compile each catalogue (`only_stale`: those whose .mo is missing or older than
    the .po). Written beside and renamed, so a reader never sees half a file."""
    for locale in LOCALES:
        po = catalog_path(locale)
        mo = po.with_suffix(".mo")
        if only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_suffix(".mo.partial")
        with open(partial, "wb") as out:
            write_mo(out, read(locale), use_fuzzy=False)
        partial.replace(mo)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        template = extract()
        found = [p for locale in LOCALES for p in problems(template, read(locale))]
        print("\n".join(found) or "every message is translated")
        return 1 if found else 0
    else:
        print("usage: python -m casework.i18n [update|compile|check]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
