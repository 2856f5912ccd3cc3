"""A page's pictures on disk: which ``image`` of the canonical XML has a local copy.

Scrapers save pictures beside the page: a browser's "Save page as…" writes them to
``NAME_files/`` and rewrites ``src``; wget keeps the site's relative paths; others
drop every file into the page's folder.  Extraction sees only bytes, so this edge
step (called by convert.py) looks for each picture's file and records it as
``image/@local``, a path relative to the page's folder.  Only that folder is
searched, and nothing outside it is ever named: the renderers then embed what is
there and draw a framed placeholder for what is not.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree

from .canonical import q

#: ``src`` schemes a local copy may stand for (a data: URL is not a file).
_SCHEMES = ("", "http", "https", "file")


def candidates(src: str, page_name: str) -> list[str]:
    """Relative paths, most specific first, where the file behind ``src`` may lie
    in the page's folder.  Paths that climb out of the folder are not offered."""
    parts = urlsplit(src.strip())
    if parts.scheme.lower() not in _SCHEMES:
        return []
    path = PurePosixPath(unquote(parts.path))
    if not path.name:
        return []
    found: list[str] = []
    if not parts.scheme and not parts.netloc and not path.is_absolute():
        found.append(str(path))  # relative, as saved: ./a.jpg, NAME_files/a.jpg, img/a.jpg
    stem = PurePosixPath(page_name).stem
    found += [f"{stem}_files/{path.name}", f"{stem}.files/{path.name}", path.name]
    return [c for c in dict.fromkeys(found) if ".." not in PurePosixPath(c).parts]


def file_inside(folder: Path, rel: str) -> tuple[Path | None, str]:
    """``(path, "")`` when ``folder/rel`` is a file inside ``folder`` once symlinks are
    resolved, else ``(None, "outside")`` or ``(None, "missing")``.

    The one containment check: made here when the record is written, and again by
    both renderers, which trust nothing a record says about files."""
    root = folder.resolve()
    try:
        path = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None, "missing"
    if not path.is_relative_to(root):
        return None, "outside"
    return (path, "") if path.is_file() else (None, "missing")


def local_copy(src: str, folder: Path, page_name: str) -> str | None:
    """The first candidate that is a file inside ``folder`` (symlinks resolved)."""
    for rel in candidates(src, page_name):
        path, _ = file_inside(folder, rel)
        if path is not None:
            return path.relative_to(folder.resolve()).as_posix()
    return None


def locate_images(doc: etree._Element, folder: Path, page_name: str) -> int:
    """Set ``@local`` on every ``image`` whose file is in the page's folder; return how many."""
    n = 0
    for image in doc.iter(q("image")):
        src = image.get("src")
        local = local_copy(src, folder, page_name) if src else None
        if local:
            image.set("local", local)
            n += 1
    return n
