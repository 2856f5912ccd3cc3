"""Finding the pages to convert among the paths a user gives, and reading one safely.

Input is hostile: a folder scraped from the web, or unpacked from someone's archive,
can hold a FIFO named ``pipe.html`` (reading it blocks for ever), a link to
``/dev/zero`` (endless, and its size says 0), or a link to a file elsewhere on the
machine (``passwd.html -> /etc/passwd``).  ``read_input`` reads only regular files,
never more than the cap plus one byte, and never through a link that leaves the
link's own folder; ``find_pages`` takes only page files and says what it left.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from . import ArchivedPage, is_archive_name

#: File name endings taken when a folder is given (case-insensitive).
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".shtm", ".xhtml")

#: Bytes of an input page accepted before it is refused (hostile input bound).
MAX_INPUT_BYTES = 64 * 1024 * 1024

#: Names that may well be saved pages but are not taken unless ``--include`` says so,
#: each with the reason shown to the person running the batch.
_MAYBE_PAGES = (
    (re.compile(r"\.(?:s?html?|xhtml)\.\d+$", re.I), "a numbered copy as wget saves it (x.html.1)"),
    (re.compile(r"\.(?:s?html?|jspx?|php\d?|aspx?|do|action|cgi)[@?]", re.I),
     "a page name with its query (x.jsp@id=3)"),
    (re.compile(r"\.(?:jspx?|php\d?|aspx?|do|action|cgi|cfm|pl)$", re.I),
     "a server page name (.jsp, .php, .aspx, …)"),
)
_NO_EXTENSION = "no extension"


@dataclass(frozen=True)
class InputPage:
    path: Path      # where to read it (for a page in a web archive: the archive)
    shown: str      # the path as the user gave it (or folder-as-given / relative path;
                    # ``ARCHIVE#URL`` for a page in a web archive)
    archived: ArchivedPage | None = None   # where in its web archive the page lies


@dataclass(frozen=True)
class NotTaken:
    """A file in a folder that may be a page but was not taken, and why."""
    shown: str
    reason: str


@dataclass
class Discovery:
    """What ``find_pages`` found: the pages, and the files it left that a person
    reconciling the batch with its input needs to hear about (files that may be
    pages, files that are not regular files).  Pictures, stylesheets, scripts and
    documents beside the pages are counted in ``others`` only."""
    pages: list[InputPage] = field(default_factory=list)
    not_taken: list[NotTaken] = field(default_factory=list)
    others: int = 0
    #: what each web archive given held (``sources.index.Summary``): its pages, and
    #: the records not taken as pages, counted by reason
    archives: list = field(default_factory=list)

    def reasons(self) -> Counter:
        return Counter(n.reason for n in self.not_taken)


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


_KINDS = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def file_kind(mode: int) -> str:
    """What a file is, in words, for a one-line refusal."""
    return next((word for test, word in _KINDS if test(mode)), "an unknown kind of file")


def _link_leaves_folder(path: Path) -> Path | None:
    """The target when ``path`` is a symbolic link to a file outside the link's own
    folder (resolved), else None."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    return None if target.is_relative_to(path.parent.resolve()) else target


def read_input(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The page's bytes, or an InputError saying in one line why there are none.

    Only a regular file is opened (a FIFO, socket or device is refused from its
    ``stat``, which never blocks), opened non-blocking, checked again on the open
    descriptor (the same file, still regular), and read to at most ``max_bytes`` + 1
    bytes whatever its size claims.  A symbolic link is followed only to a file in
    the link's own folder: ``find_pages`` hands links that stay inside the input
    folder over already resolved, so what reaches here as a link leads elsewhere.
    """
    try:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if path.is_symlink():
                raise InputError("a symbolic link to a file that does not exist") from None
            raise InputError("no such file") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a folder, not a page")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{file_kind(st.st_mode)}, not a regular file; refused unread")
        outside = _link_leaves_folder(path)
        if outside is not None:
            raise InputError(f"a symbolic link to a file outside its folder "
                             f"({displayable(str(outside))}); refused unread")
        if st.st_size > max_bytes:
            raise InputError(_too_large(st.st_size, max_bytes))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb", buffering=0) as fh:
            now = os.fstat(fh.fileno())
            if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                raise InputError("the file was replaced while being opened; refused")
            chunks, n = [], 0
            while n <= max_bytes:
                chunk = fh.read(min(1 << 20, max_bytes + 1 - n))
                if not chunk:
                    break
                chunks.append(chunk)
                n += len(chunk)
        if n > max_bytes:
            raise InputError(_too_large(n, max_bytes, more=True))
        data = b"".join(chunks)
    except PermissionError:
        raise InputError("permission denied") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a page") from None
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise InputError("empty file" if not data else "file holds only white space")
    return data


def read_archived(page: ArchivedPage, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """A web archive page's bytes (its HTTP payload, decoded from chunks and gzip),
    read from the archive at the record's offset, or an InputError in one line."""
    from .warc import ArchiveError, TooLarge, read_payload

    if page.error:
        raise InputError(page.error)
    try:
        data = read_payload(page.file, page.offset, page.payload_record_id, max_bytes)
    except TooLarge as exc:
        raise InputError(_too_large(exc.size, max_bytes, more=True)) from None
    except ArchiveError as exc:
        raise InputError(f"web archive {exc}") from None
    except OSError as exc:
        raise InputError(f"the web archive cannot be read ({exc.strerror or exc})") from None
    if page.sha256 and hashlib.sha256(data).hexdigest() != page.sha256:
        raise InputError("the web archive changed since it was read (the record's bytes "
                         "differ); run the same command again")
    if not data.strip():
        raise InputError("empty response" if not data else "response holds only white space")
    return data


def _too_large(size: int, limit: int, more: bool = False) -> str:
    def amount(n: int) -> str:
        return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bytes"
    return f"too large ({'more than ' + amount(limit) if more else amount(size)}; " \
           f"the limit is {amount(limit)})"


def _maybe_page(name: str) -> str | None:
    """Why a file not taken may still be a page, or None for pictures, CSS and the like."""
    for rx, reason in _MAYBE_PAGES:
        if rx.search(name):
            return reason
    return _NO_EXTENSION if "." not in name.lstrip(".") else None


def _included(name: str, rel: str, include: tuple[str, ...]) -> bool:
    """Does an ``--include`` glob take this file?  A pattern with a ``/`` is matched
    against the path inside the folder given, any other against the file name;
    case does not matter (scrapes made on Windows mix it)."""
    for pat in include:
        target = rel if "/" in pat else name
        if fnmatch.fnmatchcase(target.lower(), pat.lower()):
            return True
    return False


def find_pages(args: list[str], *, exclude: Path | None = None,
               include: tuple[str, ...] = (), archive_cache: Path | None = None) -> Discovery:
    """Files as given, and every page file under each folder, sorted, no duplicates.

    A path that does not exist is kept: converting it fails with "no such file",
    so the user sees it named in the summary and the manifest.  ``exclude`` (the
    output folder) is never descended into, so converting ``.`` into ``./out``
    does not pick up the copies of the pages in ``out``.  Nor is a page's own
    resource folder (``NAME_files/`` or ``NAME.files/`` beside ``NAME.html``, as a
    browser's "Save page as… complete" writes it): the frames saved there are
    parts of that page, not pages of their own.  Hidden files and folders are left.

    In a folder, a page file that is a symbolic link is taken as its target when the
    target is a regular file inside the folder given; any other link (and any FIFO,
    socket or device with a page name) is taken as it is, so that reading it fails
    alone, in one line.  ``include`` globs take other names as pages.

    A web archive (``*.warc``, ``*.warc.gz``, ``*.wacz``), named or in a folder, gives
    its HTML pages (``sources.index``), indexed into ``archive_cache`` (by default
    ``exclude/.govdoc-archives``, the output folder's).
    """
    found = Discovery()
    seen: set[Path] = set()
    skip = exclude.resolve() if exclude is not None else None
    archives: list[tuple[Path, str]] = []

    def add(path: Path, shown: str) -> None:
        try:
            key = path.resolve() if path.exists() else path.absolute()
        except (OSError, RuntimeError):  # a link loop
            key = path.absolute()
        if key not in seen:
            seen.add(key)
            found.pages.append(InputPage(path, shown))

    for arg in args:
        p = Path(arg)
        if not p.is_dir():
            # named by the user: a link is the user's choice, read as its target
            target = p.resolve() if p.is_symlink() and p.exists() else p
            if is_archive_name(p.name) and p.exists():
                archives.append((target, displayable(arg)))
                continue
            add(target, displayable(arg))
            continue
        root = p.resolve()
        taken: list[tuple[Path, Path]] = []
        stack = [p]
        while stack:
            d = stack.pop()
            try:
                with os.scandir(d) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                found.not_taken.append(NotTaken(displayable(str(d)),
                                                f"a folder that cannot be read ({exc.strerror or exc})"))
                continue
            names = [e.name for e in entries]
            stems = {n.rsplit(".", 1)[0] for n in names
                     if n.lower().endswith(PAGE_SUFFIXES) or _included(n, _rel(d / n, p), include)}
            resources = {f"{stem}{sep}files" for stem in stems for sep in ("_", ".")}
            subdirs = []
            for e in entries:
                if e.name.startswith("."):
                    continue
                path = d / e.name
                try:
                    is_link = e.is_symlink()
                    is_dir = e.is_dir(follow_symlinks=False)
                except OSError:
                    is_link = is_dir = False
                if is_dir:
                    if e.name not in resources and (skip is None or path.resolve() != skip):
                        subdirs.append(path)
                    continue
                is_page = e.name.lower().endswith(PAGE_SUFFIXES) or _included(e.name, _rel(path, p), include)
                try:
                    mode = os.stat(path).st_mode  # the target's, for a link
                except OSError:
                    mode = None
                if is_link and mode is not None and stat.S_ISDIR(mode):
                    found.not_taken.append(NotTaken(displayable(str(path)),
                                                    "a symbolic link to a folder (not followed)"))
                    continue
                if is_page:
                    taken.append((path, _resolved_inside(path, root) if is_link else path))
                    continue
                if is_archive_name(e.name) and mode is not None and stat.S_ISREG(mode):
                    read = _resolved_inside(path, root) if is_link else path
                    if is_link and read == path:  # a link out of the folder
                        found.not_taken.append(NotTaken(displayable(str(path)),
                                                        "a symbolic link to a web archive "
                                                        "outside the folder (not followed)"))
                    else:
                        archives.append((read, displayable(str(path))))
                    continue
                if mode is None or not stat.S_ISREG(mode):
                    what = "a symbolic link to a file that does not exist" if mode is None \
                        else f"{file_kind(mode)}, not a regular file"
                    found.not_taken.append(NotTaken(displayable(str(path)), what))
                    continue
                why = _maybe_page(e.name)
                if why is None:
                    found.others += 1
                else:
                    found.not_taken.append(NotTaken(displayable(str(path)), why))
            stack.extend(reversed(subdirs))
        for shown_path, read_path in sorted(taken):
            add(read_path, displayable(str(shown_path)))
    if archives:
        cache = archive_cache or (exclude / ARCHIVE_CACHE if exclude is not None else None)
        for path, shown in sorted(archives, key=lambda a: a[1]):
            try:
                key = path.resolve()
            except (OSError, RuntimeError):
                key = path.absolute()
            if key in seen:
                continue
            seen.add(key)
            _add_archive(found, path, shown, cache)
    found.not_taken.sort(key=lambda n: n.shown)
    return found


#: Where the indexes of the web archives a batch reads are kept, in its output folder.
ARCHIVE_CACHE = ".govdoc-archives"


def _add_archive(found: Discovery, path: Path, shown: str, cache: Path | None) -> None:
    """The pages of one web archive; an archive that cannot be read at all is one page
    that fails with the reason, so the batch names it and exits 1."""
    import tempfile

    from .index import Summary, build, pages
    from .warc import ArchiveError

    if cache is None:
        cache = Path(tempfile.mkdtemp(prefix="govdoc-archives-"))
    try:
        index = build(path, cache, max_page_bytes=MAX_INPUT_BYTES)
        listed, summary = pages(index, path, shown)
    except ArchiveError as exc:
        found.archives.append(Summary(archive=shown, error=str(exc)))
        found.pages.append(InputPage(path, shown, _broken(path, str(exc))))
        return
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc})"
        found.archives.append(Summary(archive=shown, error=why))
        found.pages.append(InputPage(path, shown, _broken(path, why)))
        return
    found.archives.append(summary)
    found.pages.extend(InputPage(path, name, page) for page, name in listed)
    if summary.error:  # damaged part way: the pages before the damage are converted
        found.pages.append(InputPage(path, shown, _broken(
            path, f"web archive {summary.error}; the {summary.pages} page(s) before it are "
                  "converted")))


def _broken(path: Path, why: str) -> ArchivedPage:
    return ArchivedPage(archive=str(path.absolute()), file=str(path.absolute()), offset=0,
                        record_id="", uri="", date=None, warc_name=path.name, index="",
                        payload_record_id="", sha256=None, error=why)


def _rel(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _resolved_inside(link: Path, root: Path) -> Path:
    """A page link's target when it is a regular file inside ``root``, else the link
    itself (``read_input`` then refuses it, naming why)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return link
    if target.is_relative_to(root) and target.is_file():
        return target
    return link


def discover(args: list[str], *, exclude: Path | None = None,
             include: tuple[str, ...] = ()) -> list[InputPage]:
    """The pages ``find_pages`` finds (without what it left)."""
    return find_pages(args, exclude=exclude, include=include).pages
