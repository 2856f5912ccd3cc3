"""The WARC files inside a WACZ package (a zip: ``archive/*.warc.gz``, indexes, pages).

The WACZ specification stores the WARC files uncompressed by the zip (each is
already gzipped record by record), so a record can be read straight from the
.wacz file at its offset: no copy is made.  A package whose WARC members were
compressed by the zip after all is read through ``zipfile`` once and each such
member staged as a plain file beside the archive's index, then read from there.
Only ``zipfile`` is needed (the ``wacz`` package brings a web server with it).
"""
from __future__ import annotations

import hashlib
import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .warc import ArchiveError

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_MAGIC = 0x04034B50


@dataclass(frozen=True)
class Member:
    """A WARC inside the package: read ``file`` between ``start`` and ``end``."""
    name: str     # its name in the zip (archive/data.warc.gz)
    file: str     # the .wacz itself, or the staged copy of a compressed member
    start: int
    end: int


def members(path: Path, stage_dir: Path) -> list[Member]:
    """The WARC members of the package at ``path``, in the zip's order.

    Raises ArchiveError (one line) when it is not a zip, holds no WARC, or a
    member cannot be read."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"not a WACZ package (not a zip file: {exc})") from None
    found: list[Member] = []
    with zf, open(path, "rb") as raw:
        infos = [i for i in zf.infolist() if not i.is_dir()
                 and i.filename.lower().endswith((".warc", ".warc.gz"))
                 and i.filename.replace("\\", "/").split("/")[0].lower() == "archive"]
        if not infos:
            raise ArchiveError("a zip file without WARC files in archive/: not a WACZ package")
        for info in infos:
            if info.flag_bits & 0x1:
                raise ArchiveError(f"{info.filename} is encrypted")
            if info.compress_type == zipfile.ZIP_STORED:
                raw.seek(info.header_offset)
                head = raw.read(_LOCAL_HEADER.size)
                if len(head) < _LOCAL_HEADER.size or _LOCAL_HEADER.unpack(head)[0] != _LOCAL_MAGIC:
                    raise ArchiveError(f"{info.filename}: damaged zip entry")
                n, e = _LOCAL_HEADER.unpack(head)[-2:]
                start = info.header_offset + _LOCAL_HEADER.size + n + e
                found.append(Member(info.filename, str(path), start, start + info.compress_size))
                continue
            staged = stage_dir / (hashlib.sha256(info.filename.encode("utf-8", "replace"))
                                  .hexdigest()[:16] + ".warc" + (".gz" if info.filename.lower()
                                                                 .endswith(".gz") else ""))
            if not (staged.is_file() and staged.stat().st_size == info.file_size):
                stage_dir.mkdir(parents=True, exist_ok=True)
                tmp = staged.with_name(staged.name + ".tmp")
                try:
                    with zf.open(info) as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    tmp.unlink(missing_ok=True)
                    raise ArchiveError(f"{info.filename} cannot be unpacked: {exc}") from None
                tmp.replace(staged)
            found.append(Member(info.filename, str(staged), 0, info.file_size))
    return found
