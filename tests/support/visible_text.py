"""A real browser engine, to see a page as a person sees it: Debian's chromium driven
headless by Playwright (``executable_path``: no browser download), JavaScript off,
every network request refused.  Skips cleanly when either is missing."""
from __future__ import annotations

import re
import shutil

import pytest

#: A refresh would navigate away before the text is read (the request is refused anyway).
_REFRESH = re.compile(r"<meta[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>", re.I)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless chromium for many pages: ``visible_text(html, selector)``."""

    def __enter__(self) -> "Browser":
        if CHROMIUM is None:
            pytest.skip("chromium is not installed (scripts/install-system-deps.sh --with-libreoffice)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            pytest.skip("playwright is not installed (pip install -e '.[test]')")
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
        self._context = self._browser.new_context(java_script_enabled=False, offline=True)
        self._context.route("**/*", lambda route: route.abort())  # nothing leaves the machine
        self.page = self._context.new_page()
        return self

    def __exit__(self, *exc) -> None:
        self._context.close()
        self._browser.close()
        self._pw.stop()

    def visible_text(self, html: str, selector: str = "body") -> str | None:
        """``innerText`` of the first element ``selector`` matches (what a reader sees
        of it, hidden parts left out, as rendered), or None when nothing matches."""
        self.page.set_content(_REFRESH.sub("", html), wait_until="domcontentloaded", timeout=120_000)
        return self.page.evaluate(
            "sel => { const el = document.querySelector(sel); return el ? el.innerText : null; }",
            selector)
