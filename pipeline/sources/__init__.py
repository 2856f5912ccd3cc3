"""Web archives as input: WARC files (ISO 28500) and WACZ packages.

Crawlers (Heritrix, Browsertrix, ``wget --warc-file``, ArchiveWeb.page, pywb) keep
every page together with its pictures and attachments, the URL each came from and
the capture time.  This stage turns an archive into the pages a batch converts:

- ``warc.py``   reads a WARC stream once, record by record (``warcio``), and one
                record again by its offset;
- ``wacz.py``   finds the WARC files inside a WACZ package (a zip);
- ``index.py``  the archive's index (SQLite, beside the output folder): every
                record's URL, status, type and offset, never a payload; the pages
                to convert; a URL looked up as a browser would have seen it
                (revisits resolved to their original, redirects followed inside
                the archive only).

Nothing is ever fetched: a picture or attachment the archive does not hold is
missing, and the record says so.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: File names read as web archives (case-insensitive), in a folder or named alone.
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


class TooLarge(Exception):
    """A payload over its size bound (``size`` is what was read: more than the bound)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def copy_bounded(stream: IO[bytes], dest: Path, max_bytes: int) -> tuple[int, str]:
    """Copy ``stream`` into the new file ``dest``: (size, sha256).  Past ``max_bytes``,
    or on any error, ``dest`` is removed (TooLarge past the bound): a kept file is
    whole and its checksum is the one computed while writing it."""
    h, n = hashlib.sha256(), 0
    try:
        with open(dest, "xb") as out:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                n += len(chunk)
                if n > max_bytes:
                    raise TooLarge(n)
                h.update(chunk)
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return n, h.hexdigest()


@dataclass(frozen=True)
class ArchivedPage:
    """One page to convert from a web archive: where its record lies and what the
    archive says about it.  Small and picklable: a worker (local or on Dask) reads
    the payload itself, by offset, so no page's bytes travel to it."""

    archive: str            # the .warc / .warc.gz / .wacz file, absolute
    file: str               # the file the record is read from (the archive, or a
                            # WARC staged out of a compressed WACZ member)
    offset: int             # where the record holding the payload starts in ``file``
    record_id: str          # WARC-Record-ID of the capture (the revisit's own, for one)
    uri: str                # WARC-Target-URI
    date: str | None        # WARC-Date (ISO 8601)
    warc_name: str          # the WARC as provenance names it (``x.wacz!archive/d.warc.gz``)
    index: str              # the archive's index (for the page's pictures and attachments)
    payload_record_id: str  # the record the payload is read from (the original of a revisit)
    sha256: str | None      # of the payload, from the scan (None: not readable)
    size: int = 0
    charset: str | None = None  # the HTTP Content-Type charset: the declared encoding
    error: str | None = None    # why the page cannot be read (too large, damaged)
