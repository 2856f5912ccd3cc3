"""What a person watching a batch sees: progress, one line per failure, a summary.

On a terminal, a progress bar.  When stderr is a pipe or a file (a cron job, ``2>
log``, ``| tee``), a bar would show nothing until the end, so plain lines are
written instead, each flushed at once: one every ``PLAIN_EVERY_SECONDS`` or every
twentieth of the batch, whichever comes first, and one at the end.  Every name and
message is passed through ``printable`` (file names are hostile).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                           TaskProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from ..convert import DocResult
from ..terminal import printable

#: Plain progress lines: at most this many seconds apart (while pages finish) ...
PLAIN_EVERY_SECONDS = 10.0
#: ... and at least one per this fraction of the batch.
PLAIN_STEPS = 20
#: Warnings listed in the summary; the rest are counted and found in index.html.
WARNINGS_SHOWN = 10


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """Done / failed / rate / ETA on stderr; failures named as they come.

    ``enabled`` False (``--quiet``) shows only failures and the summary.
    """

    def __init__(self, total: int, *, enabled: bool, stream: TextIO) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.failed = 0
        self.done = 0
        self._bar: RichProgress | None = None
        self._task = None
        self._start = time.monotonic()
        self._last_line = (self._start, 0)  # when, and at how many pages done
        self._step = max(1, total // PLAIN_STEPS)

    def __enter__(self) -> "Progress":
        self._start = time.monotonic()
        self._last_line = (self._start, 0)
        if self.enabled and self.tty:
            self._bar = RichProgress(
                TextColumn("converting"), BarColumn(), MofNCompleteColumn(),
                TextColumn("[red]{task.fields[failed]} failed"),
                TextColumn("{task.fields[rate]}"), TaskProgressColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=self.console, transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task("convert", total=self.total, failed=0, rate="")
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def say(self, line: str) -> None:
        """One line for the person, escaped, past the bar if there is one, flushed."""
        line = printable(line)
        if self._bar is not None:
            self.console.print(line, markup=False, highlight=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def update(self, result: DocResult, skipped: bool) -> None:
        self.done += 1
        if result.status != "ok":
            self.failed += 1
            if not skipped:
                self.say(f"govdoc: {result.input}: {result.error or result.status}")
        now = time.monotonic()
        elapsed = now - self._start
        if self._bar is not None:
            rate = f"{self.done / elapsed:.1f} pages/s" if elapsed > 0 else ""
            self._bar.update(self._task, advance=1, failed=self.failed, rate=rate)
        elif self.enabled:
            last_time, last_done = self._last_line
            if (self.done == self.total or self.done - last_done >= self._step
                    or now - last_time >= PLAIN_EVERY_SECONDS):
                self._last_line = (now, self.done)
                self.say(self.plain_line(elapsed))

    def plain_line(self, elapsed: float) -> str:
        """``govdoc: 150/5000 pages (3 failed), 8.2 pages/s, 9m52s left``"""
        line = f"govdoc: {self.done}/{self.total} pages ({self.failed} failed)"
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            line += f", {rate:.1f} pages/s"
            if self.done < self.total:
                line += f", {_duration((self.total - self.done) / rate)} left"
        return line

    def final_summary(self, report, out: Path, discovery=None) -> None:
        ok = len(report.results) - len(report.failed)
        partial = len(getattr(report, "partial", []))
        dups = f"{report.duplicates} identical to another page, " if report.duplicates else ""
        kept = f"{partial} partial (XML and source kept), " if partial else ""
        line = (f"{len(report.results)} pages: {ok} ok, {kept}{len(report.failed) - partial} failed "
                f"({report.converted} converted, {dups}{report.skipped} unchanged and skipped) "
                f"in {report.elapsed:.1f} s -> {out}/manifest.json")
        self.say(line)
        if discovery is not None and discovery.not_taken:
            self.say(not_taken_line(discovery))
        for archive in getattr(discovery, "archives", None) or []:
            self.say(archive_line(archive))
        for line in relations_lines(report):
            self.say(line)
        if report.failed:
            self.say("Failed or partial:" if partial else "Failed:")
            for r in report.failed:
                self.say(f"  {r.input}: {r.error or r.status}")
        self.warnings_summary(report.results, out)

    def warnings_summary(self, results, out: Path) -> None:
        """A count of the warnings, the first few, and where all of them are.

        Each record's warnings once: an input with the same bytes as another shares
        its record, and its warnings are not repeated.
        """
        listed: list[tuple[str, str]] = []
        pages = 0
        seen_records: set[str] = set()
        for r in results:
            if r is None:
                continue
            warnings = list(dict.fromkeys(w for w in (r.warnings or []) if w))
            if not warnings or (r.id and r.id in seen_records):
                continue
            if r.id:
                seen_records.add(r.id)
            pages += 1
            listed += [(r.input, w) for w in warnings]
        if not listed:
            return
        self.say(f"Warnings: {len(listed)} on {pages} page{'s' if pages != 1 else ''}; "
                 f"every one is listed in {out}/index.html and {out}/catalogue.csv:")
        for name, w in listed[:WARNINGS_SHOWN]:
            self.say(f"  {name}: {w}")
        if len(listed) > WARNINGS_SHOWN:
            self.say(f"  ... and {len(listed) - WARNINGS_SHOWN} more")


def archive_line(summary) -> str:
    """What a web archive held: its pages, the records skipped and why (a 404, a
    redirect, a revisit of nothing), and how many are not pages (pictures, files)."""
    if summary.error and not summary.pages:
        return f"{summary.archive}: not read: {summary.error}"
    skipped = sum(summary.skipped.values())
    why = "; ".join(f"{n} {reason}" for reason, n in summary.skipped.most_common())
    return (f"{summary.archive}: {summary.pages} page(s); {skipped} record(s) skipped"
            + (f": {why}" if why else "")
            + f"; {summary.others} not HTML (pictures, attachments, other files: read only "
            "as a page's resources)"
            + (f"; damaged: {summary.error}" if summary.error else ""))


def relations_lines(report, shown: int = 3) -> list[str]:
    """The pages found to be the same document as an earlier capture, and the new
    versions of a document (same 索引号 or URL, other content)."""
    lines = []
    same = getattr(report, "same_document", None) or []
    if same:
        lines.append(f"Same document as an earlier capture (other bytes): {len(same)}")
        lines += [f"  {d['input']} = {d['same_as']}" for d in same[:shown]]
    newer = getattr(report, "new_versions", None) or []
    if newer:
        lines.append(f"New versions of a document (same 索引号 or URL, other content): "
                     f"{len(newer)}")
        lines += [f"  {d['input']}: version {d['version']['number']} of "
                  f"{d['version']['of']}, previous record {d['version']['previous']}"
                  for d in newer[:shown]]
    if len(same) > shown or len(newer) > shown:
        lines.append("  (all of them in catalogue.csv and index.html)")
    return lines


def not_taken_line(discovery, shown: int = 3) -> str:
    """One line naming how many files that may be pages were left, and why (the most
    common reasons first), so a batch can be reconciled with its input."""
    counts = discovery.reasons().most_common()
    parts = [f"{n} {why}" for why, n in counts[:shown]]
    if len(counts) > shown:
        parts.append(f"{sum(n for _, n in counts[shown:])} other")
    total = len(discovery.not_taken)
    return (f"{total} file(s) not taken as pages: {'; '.join(parts)} "
            "(named in --json; --include PATTERN takes other names as pages)")
