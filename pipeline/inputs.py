"""Finding the pages to convert among the paths a user gives."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: File name endings taken when a folder is given (case-insensitive).
PAGE_SUFFIXES = (".html", ".htm", ".shtml")


@dataclass(frozen=True)
class InputPage:
    path: Path      # where to read it
    shown: str      # the path as the user gave it (or folder-as-given / relative path)


def displayable(name: str) -> str:
    """A path as text every record can hold (JSON, SQLite, CSV are UTF-8).

    A file name that is not UTF-8 reaches Python with its bytes smuggled in as lone
    surrogates; written as it is, it breaks the ledger.  Names from a zip made on
    Chinese Windows are GBK: they are shown as GB18030 reads them, and anything
    else with its odd bytes as \\xNN escapes.  The file is still read by its real name.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def discover(args: list[str], *, exclude: Path | None = None) -> list[InputPage]:
    """Files as given, and every page file under each folder, sorted, no duplicates.

    A path that does not exist is kept: converting it fails with "no such file",
    so the user sees it named in the summary and the manifest.  ``exclude`` (the
    output folder) is never descended into, so converting ``.`` into ``./out``
    does not pick up the copies of the pages in ``out``.  Nor is a page's own
    resource folder (``NAME_files/`` or ``NAME.files/`` beside ``NAME.html``, as a
    browser's "Save page as… complete" writes it): the frames saved there are
    parts of that page, not pages of their own.
    """
    pages: list[InputPage] = []
    seen: set[Path] = set()
    skip = exclude.resolve() if exclude is not None else None

    def add(path: Path, shown: str) -> None:
        key = path.resolve() if path.exists() else path.absolute()
        if key not in seen:
            seen.add(key)
            pages.append(InputPage(path, shown))

    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(p):
                d = Path(dirpath)
                stems = {n.rsplit(".", 1)[0] for n in filenames if n.lower().endswith(PAGE_SUFFIXES)}
                resources = {f"{stem}{sep}files" for stem in stems for sep in ("_", ".")}
                dirnames[:] = sorted(n for n in dirnames
                                     if not n.startswith(".") and n not in resources
                                     and (skip is None or (d / n).resolve() != skip))
                for n in filenames:
                    if n.lower().endswith(PAGE_SUFFIXES) and not n.startswith("."):
                        found.append(d / n)
            for f in sorted(found):
                add(f, displayable(str(f)))
        else:
            add(p, displayable(arg))
    return pages
