"""Open a local HTML file in headless Chromium (Debian's ``chromium``), as a reader would.

Used by the report tests and ``bench/run.py`` to measure how long ``index.html``
takes to load and to take a screenshot of it.  The browser is driven over the
DevTools protocol on a pair of pipes (``--remote-debugging-pipe``: file
descriptors 3 and 4, NUL-separated JSON), so no port is opened and no client
library is needed.  It runs with a fresh profile and every background service
off; the page itself may run no script (its CSP forbids them) — the timings are
read through DevTools, which a page's CSP does not govern.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--remote-debugging-pipe")


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p),
                None)


@dataclass
class Load:
    load_ms: float          # navigation start to the end of the load event (the page's own clock)
    shown_ms: float         # navigation sent to a screenshot taken: parsed, laid out, painted
    rows: int               # table rows the browser's DOM holds
    title: str
    screenshot: bytes | None
    requests: list[str]     # every URL the page made the browser fetch, itself first


class BrowserError(RuntimeError):
    pass


class _Pipe:
    """One DevTools session over fds 3 (to the browser) and 4 (from it)."""

    def __init__(self, exe: str, profile: Path, width: int, height: int) -> None:
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def fds() -> None:  # in the child: the ends the browser expects at 3 and 4
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 300) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read(timeout)
            if m.get("id") == self._id:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str, timeout: float = 300) -> dict:
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read(timeout)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def _read(self, timeout: float) -> dict:
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                raise BrowserError(f"no answer from chromium within {timeout:.0f} s")
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited (status {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (BrowserError, OSError):
            pass
        for fd in (self._to_w, self._from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Browser:
    """One headless Chromium with a fresh profile, for opening several pages in turn."""

    def __init__(self, *, width: int = 1400, height: int = 1000, timeout: float = 300) -> None:
        self.width, self.height, self.timeout = width, height, timeout

    def __enter__(self) -> "Browser":
        exe = chromium()
        if exe is None:
            raise BrowserError("chromium is not installed")
        self._profile = tempfile.TemporaryDirectory(prefix="govdoc-chromium-")
        self._pipe = _Pipe(exe, Path(self._profile.name), self.width, self.height)
        return self

    def __exit__(self, *exc) -> None:
        self._pipe.close()
        self._profile.cleanup()

    def open(self, page: Path, *, screenshot: bool = False) -> Load:
        """Open ``page`` (a local file) in a new tab and time it; the tab is closed after."""
        pipe, timeout = self._pipe, self.timeout
        with self._tab() as session:
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": self.width, "height": self.height, "deviceScaleFactor": 1,
                       "mobile": False}, session=session)
            t = time.perf_counter()
            pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            pipe.wait_event("Page.loadEventFired", timeout)
            shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session,
                             timeout=timeout)
            shown_ms = (time.perf_counter() - t) * 1000
            facts = json.loads(pipe.send("Runtime.evaluate", {"returnByValue": True, "expression": (
                "JSON.stringify({load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
                " rows: document.querySelectorAll('tbody tr').length, title: document.title})")},
                session=session)["result"]["value"])
            requests = [e["params"]["request"]["url"] for e in pipe.events
                        if e.get("method") == "Network.requestWillBeSent"
                        and e.get("sessionId") == session]
        return Load(load_ms=round(facts["load"], 1), shown_ms=round(shown_ms, 1),
                    rows=facts["rows"], title=facts["title"],
                    screenshot=base64.b64decode(shot["data"]) if screenshot else None,
                    requests=requests)


    def visible_text(self, html: str, selector: str = "body") -> str | None:
        """``innerText`` of the first element ``selector`` matches in ``html`` as Chromium
        shows it (hidden parts left out), or None when nothing matches.

        The page runs no script of its own and reaches nothing: script execution is
        switched off and every URL is blocked before it leaves the browser (what it
        tried is kept in ``self.blocked``); a meta refresh is taken out first, since it
        would navigate away before the text is read.
        """
        pipe = self._pipe
        with self._tab() as session:
            pipe.send("Network.setBlockedURLs", {"urls": ["*"]}, session=session)
            pipe.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
            frame = pipe.send("Page.getFrameTree", session=session)["frameTree"]["frame"]["id"]
            pipe.send("Page.setDocumentContent", {"frameId": frame, "html": _REFRESH.sub("", html)},
                      session=session, timeout=self.timeout)
            value = pipe.send("Runtime.evaluate", {"returnByValue": True, "expression": (
                f"(el => el ? el.innerText : null)(document.querySelector({json.dumps(selector)}))")},
                session=session, timeout=self.timeout)["result"].get("value")
            self.blocked = [e["params"]["request"]["url"] for e in pipe.events
                            if e.get("method") == "Network.requestWillBeSent"]
        return value

    @contextlib.contextmanager
    def _tab(self):
        """A new tab's session, pages and network events on; the tab closed after."""
        pipe = self._pipe
        target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=self.timeout)
        session = pipe.send("Target.attachToTarget",
                            {"targetId": target["targetId"], "flatten": True})["sessionId"]
        pipe.events.clear()
        try:
            pipe.send("Page.enable", session=session)
            pipe.send("Network.enable", session=session)
            yield session
        finally:
            pipe.send("Target.closeTarget", {"targetId": target["targetId"]})


#: A refresh would navigate away before the text is read.
_REFRESH = re.compile(r"<meta[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>", re.I)


def load(page: Path, *, screenshot: bool = False, width: int = 1400, height: int = 1000,
         timeout: float = 300) -> Load:
    """Open ``page`` (a local file) in a fresh headless Chromium and time it."""
    with Browser(width=width, height=height, timeout=timeout) as browser:
        return browser.open(page, screenshot=screenshot)
