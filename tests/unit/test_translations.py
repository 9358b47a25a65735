"""Every message of the code and templates has a Spanish translation with the same
placeholders (issue 9). No exemptions: a new string fails here until it is translated.
`make translations` merges new messages into the catalogues; translate the ones named."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from casework import i18n


def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    template = i18n.extract()
    assert len(template) > 500  # the extraction found the code, not an empty folder
    found = i18n.problems(template, i18n.read("es"))
    assert not found, f"{len(found)} problems, run `make translations`:\n" + "\n".join(found)


def test_the_english_catalogue_holds_every_message():
    found = i18n.problems(i18n.extract(), i18n.read("en"))
    assert not found, "\n".join(found)


def _catalog(msgid, string) -> Catalog:
    catalog = Catalog(locale="es")
    catalog.add(msgid, string)
    return catalog


def test_the_check_names_a_missing_or_broken_translation():
    template = Catalog()
    template.add("%(num)d cases due")
    assert i18n.problems(template, _catalog("%(num)d cases due", "%(num)d expedientes"
                                            )) == []
    assert i18n.problems(template, _catalog("%(num)d cases due", ""))
    assert i18n.problems(template, _catalog("%(num)d cases due", "%(n)d expedientes"))
    assert i18n.problems(template, _catalog("%(num)d cases due", "expedientes"))
    assert i18n.problems(template, Catalog(locale="es"))


def test_plural_forms_keep_their_placeholders():
    template = Catalog()
    template.add(("%(num)d day overdue", "%(num)d days overdue"))
    good = Catalog(locale="es")
    good.add(("%(num)d day overdue", "%(num)d days overdue"),
             ("%(num)d día de retraso", "%(num)d días de retraso"))
    assert i18n.problems(template, good) == []
    bad = Catalog(locale="es")
    bad.add(("%(num)d day overdue", "%(num)d days overdue"),
            ("%(num)d día de retraso", "días de retraso"))
    assert i18n.problems(template, bad)
    half = Catalog(locale="es")
    half.add(("%(num)d day overdue", "%(num)d days overdue"), ("%(num)d día", ""))
    assert i18n.problems(template, half)


def test_stale_or_missing_compiled_catalogues_are_compiled_and_fresh_ones_left(
        tmp_path, monkeypatch):
    import os
    import shutil

    from babel.messages.mofile import read_mo

    shutil.copytree(i18n.TRANSLATIONS, tmp_path / "translations")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "translations")
    es, en = (i18n.catalog_path(loc).with_suffix(".mo") for loc in ("es", "en"))
    es.unlink(missing_ok=True)
    en.write_bytes(b"left alone")
    os.utime(en, (2e9, 2e9))  # newer than its .po

    i18n.compile_all(only_stale=True)
    with open(es, "rb") as mo:
        assert len(read_mo(mo)) > 500
    assert en.read_bytes() == b"left alone"

    os.utime(i18n.catalog_path("en"), (3e9, 3e9))  # the .po edited after the .mo
    i18n.compile_all(only_stale=True)
    assert en.read_bytes() != b"left alone"
    assert not list((tmp_path / "translations").rglob("*.partial"))
