"""A page's files on disk, and the one admission of a picture.

Scrapers save pictures and attachments beside the page: a browser's "Save page
as…" writes them to ``NAME_files/`` and rewrites ``src``; wget keeps the site's
relative paths; others drop every file into the page's folder.  ``candidates`` and
``local_copy`` say where a file may lie inside the page's folder (never outside
it); ``admit_file`` and ``admit_picture`` say whether it may be read.
``resources.py`` copies what is admitted into the record; the renderers read the
pictures from the record only, admitting them again (they trust nothing a record
says about files).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from lxml import etree

from .canonical import q

#: ``src`` schemes a local copy may stand for (a data: URL is not a file).
_SCHEMES = ("", "http", "https", "file")


def candidates(src: str, page_name: str, page_url: str | None = None) -> list[str]:
    """Relative paths, most specific first, where the file behind ``src`` may lie
    in the page's folder.  Paths that climb out of the folder are not offered.

    ``page_url`` is the page's own address when known: an absolute ``src`` on the
    same site below the page's directory (what extraction makes of ``img/a.jpg``
    once it resolves it against that address) is looked for at that relative path."""
    parts = urlsplit(src.strip())
    if parts.scheme.lower() not in _SCHEMES:
        return []
    path = PurePosixPath(unquote(parts.path))
    if not path.name:
        return []
    found: list[str] = []
    if not parts.scheme and not parts.netloc and not path.is_absolute():
        found.append(str(path))  # relative, as saved: ./a.jpg, NAME_files/a.jpg, img/a.jpg
    elif page_url and parts.netloc:
        here = urlsplit(page_url)
        base = unquote(here.path).rsplit("/", 1)[0] + "/"
        if here.netloc.lower() == parts.netloc.lower() and str(path).startswith(base):
            found.append(str(path)[len(base):])
    stem = PurePosixPath(page_name).stem
    found += [f"{stem}_files/{path.name}", f"{stem}.files/{path.name}", path.name]
    return [c for c in dict.fromkeys(found) if c and ".." not in PurePosixPath(c).parts]


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


def local_copy(src: str, folder: Path, page_name: str, page_url: str | None = None) -> str | None:
    """The first candidate that lies in ``folder`` under its own name: a regular file
    there, or a link (``admit_file`` then refuses it, saying so; what the link points
    at is never named)."""
    for rel in candidates(src, page_name, page_url):
        path = folder / rel
        if path.is_symlink() or path.is_file():
            return PurePosixPath(os.path.normpath(rel)).as_posix()
    return None


#: Bounds on a picture read from a page's folder (hostile input): a decompression
#: bomb is a small file that decodes to gigabytes (a 50 000 x 50 000 PNG is 2.4 MB).
#: 60 million pixels holds an A4 page scanned at 600 dpi (35 million) with room to spare.
MAX_PICTURE_PIXELS = 60_000_000
MAX_PICTURE_BYTES = 64 * 1024 * 1024


class Admission(NamedTuple):
    """Whether a picture file may be embedded: ``ok``, its ``(width, height)`` in
    pixels when known, and otherwise the ``reason`` in words for a warning."""
    ok: bool
    size: tuple[int, int] | None
    reason: str


def admit_file(path: Path, *, folder: Path | None = None,
               max_bytes: int = MAX_PICTURE_BYTES) -> Admission:
    """May the file at ``path`` be read at all (a picture, or an attachment copied
    into a record)?  Refused: a path that leaves ``folder`` (when given) or passes
    through a symbolic link below it; a file that is not a regular file or has more
    than one name (a hard link can make a file from anywhere on the disk look as if
    it lay in ``NAME_files/``); more than ``max_bytes``."""
    path = Path(path)
    if folder is not None:
        why = _leaves(path, Path(folder))
        if why:
            return Admission(False, None, why)
    try:
        st = os.lstat(path)
    except OSError:
        return Admission(False, None, "not in the page folder")
    if stat.S_ISLNK(st.st_mode):
        return Admission(False, None, "a symbolic link, refused")
    if not stat.S_ISREG(st.st_mode):
        return Admission(False, None, "not a regular file, refused")
    if st.st_nlink > 1:
        return Admission(False, None, f"a hard link (one file with {st.st_nlink} names, "
                                      "perhaps from outside the page folder), refused")
    if st.st_size > max_bytes:
        return Admission(False, None, f"too large ({st.st_size // (1024 * 1024)} MB; the limit is "
                                      f"{max_bytes // (1024 * 1024)} MB), refused")
    return Admission(True, None, "")


def admit_picture(path: Path, *, folder: Path | None = None) -> Admission:
    """May the picture at ``path`` be embedded in an edition (or copied into a record)?

    The one admission both renderers use, so neither edition embeds what the other
    refuses: ``admit_file``'s (inside ``folder``, no link, no hard link, at most
    ``MAX_PICTURE_BYTES``), then anything Pillow cannot identify and verify as a
    picture, and more than ``MAX_PICTURE_PIXELS`` pixels, read from the header
    before anything is decoded, are refused.
    """
    path = Path(path)
    verdict = admit_file(path, folder=folder)
    if not verdict.ok:
        return verdict
    try:
        from PIL import Image  # WeasyPrint's own dependency

        with Image.open(path) as im:  # reads the header only
            w, h = im.size
            if w <= 0 or h <= 0:
                return Admission(False, None, "cannot be read as a picture")
            if w * h > MAX_PICTURE_PIXELS:
                return Admission(False, (w, h), f"{w} x {h} pixels, over the limit of "
                                                f"{MAX_PICTURE_PIXELS // 1_000_000} million "
                                                "(a decompression bomb?), refused")
            im.verify()
    except Image.DecompressionBombError:
        return Admission(False, None, "a decompression bomb (too many pixels), refused")
    except Exception:
        return Admission(False, None, "cannot be read as a picture")
    return Admission(True, (w, h), "")


def _leaves(path: Path, folder: Path) -> str:
    """Why ``path`` (given as ``folder / relative``) is not plainly inside ``folder``:
    outside it, or through a symbolic link below it; "" when it is."""
    try:
        rel = path.absolute().relative_to(folder.absolute())
    except ValueError:
        return "outside the page folder, refused"
    cur = folder.absolute()
    for part in rel.parts:
        if part == "..":
            return "outside the page folder, refused"
        cur = cur / part
        if cur.is_symlink():
            return "a symbolic link, refused"
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        inside = False
    return "" if inside else "outside the page folder, refused"
