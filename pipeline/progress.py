"""What a person watching a batch sees: a progress bar, one line per failure, a summary."""
from __future__ import annotations

from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                           TaskProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from .convert import DocResult


class Progress:
    """Progress bar with done / failed / rate / ETA on stderr; failures named as they come."""

    def __init__(self, total: int, *, enabled: bool, stream: TextIO) -> None:
        self.total = total
        self.enabled = enabled
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.failed = 0
        self.done = 0
        self._bar: RichProgress | None = None
        self._task = None

    def __enter__(self) -> "Progress":
        if self.enabled:
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

    def update(self, result: DocResult, skipped: bool) -> None:
        self.done += 1
        if result.status != "ok":
            self.failed += 1
            if not skipped:
                self.console.print(f"govdoc: {escape(result.input)}: {escape(result.error or 'failed')}")
        if self._bar is not None:
            elapsed = self._bar.tasks[0].elapsed or 0.0
            rate = f"{self.done / elapsed:.1f} pages/s" if elapsed > 0 else ""
            self._bar.update(self._task, advance=1, failed=self.failed, rate=rate)

    def final_summary(self, report, out: Path, discovery=None) -> None:
        ok = len(report.results) - len(report.failed)
        dups = f"{report.duplicates} identical to another page, " if report.duplicates else ""
        line = (f"{len(report.results)} pages: {ok} ok, {len(report.failed)} failed "
                f"({report.converted} converted, {dups}{report.skipped} unchanged and skipped) "
                f"in {report.elapsed:.1f} s -> {out}/manifest.json")
        self.console.print(line)
        if discovery is not None and discovery.not_taken:
            self.console.print(escape(not_taken_line(discovery)))
        if report.failed:
            self.console.print("Failed:")
            for r in report.failed:
                self.console.print(f"  {escape(r.input)}: {escape(r.error or 'failed')}")


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
