"""The only way the PDF renderer may read a resource.

WeasyPrint's default fetcher follows http, https, ftp and ``file:`` anywhere on
disk; a scraped page could then make a batch fetch remote URLs or embed a local
file such as ``/etc/passwd`` into an archival PDF.  This fetcher allows exactly
two things: ``data:`` URLs, and ``file:`` URLs that resolve (symlinks followed)
to a file inside the document's own folder.  It never opens a socket: it does
not even delegate to urllib for the schemes it allows.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

#: Largest resource read from disk; a picture in a notice is never this big.
MAX_BYTES = 32 * 1024 * 1024


class SandboxFetcher(URLFetcher):
    """``data:`` anywhere, ``file:`` inside ``resource_dir`` only, nothing else.

    Refusals raise ``ValueError``: WeasyPrint logs it and goes on without the
    resource (the renderer has already replaced images it cannot read by a
    placeholder, so a refusal here means something slipped past, not a lost page).
    """

    def __init__(self, resource_dir: Path | None) -> None:
        super().__init__(timeout=1, allowed_protocols={"data", "file"},
                         allow_redirects=False, fail_on_errors=False)
        self.root = resource_dir.resolve() if resource_dir is not None else None
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:  # noqa: ARG002
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            path = self.allowed_path(url)
            if path is not None:
                return self._file(url, path)
        self.refused.append(url)
        raise ValueError(f"resource refused (outside the page folder or not local): {url[:200]}")

    def allowed_path(self, url: str) -> Path | None:
        """The file a ``file:`` URL names, if it lies inside the resource folder."""
        if self.root is None:
            return None
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None  # file://host/share is a network path
        try:
            path = Path(request.url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    @staticmethod
    def _file(url: str, path: Path) -> URLFetcherResponse:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"resource too large: {path.name}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        # urllib's DataHandler decodes base64/percent-encoding; it has no network code.
        resp = request.DataHandler().data_open(request.Request(url))
        return URLFetcherResponse(url, resp.read(), {"Content-Type": resp.headers.get_content_type()})


class FontFetcher(SandboxFetcher):
    """For the house stylesheet only: ``data:``, and the installed font files.

    Its @font-face rules name exact font programs (``local("FandolHei-Regular")``);
    WeasyPrint resolves such a name through fontconfig to a file and reads it with
    the stylesheet's fetcher.  Nothing else on disk, and no network."""

    def __init__(self, fonts: frozenset[Path]) -> None:
        super().__init__(None)
        self.fonts = fonts

    def allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(request.url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        return path if path in self.fonts and path.is_file() else None

    @staticmethod
    def _file(url: str, path: Path) -> URLFetcherResponse:
        # font files are larger than pictures (a CJK font is 5-20 MB), and trusted
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": "application/octet-stream"})
