"""The ``govdoc`` command line.

Written for records officers: every command says in its --help what it does,
what it writes, and shows an example.  Errors are one line, naming the file and
the reason.  Exit status: 0 all went well, 1 something failed (named on screen
and in the manifest), 2 the command itself was wrong (unknown option, no input),
3 another govdoc batch is writing into the folder, 4 the batch stopped before its
end (a full disk, a folder that cannot be written, a damaged ledger, an
unreachable cluster); 130/143/129 interrupted by Ctrl-C / SIGTERM / SIGHUP.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
import sys
from pathlib import Path

import click

from . import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: Exit statuses (README "Exit status").
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_STOPPED = 0, 1, 2, 3, 4


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled exactly like Ctrl-C (workers stopped, lock released)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _signals_interrupt():
    """While a command writes, SIGTERM and SIGHUP interrupt it the way Ctrl-C does."""
    def handler(signum, frame):
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def _interrupted_status(exc: KeyboardInterrupt) -> int:
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


def _say(text: str, *, lines: bool = False) -> None:
    """A line for the person: names escaped, never obeyed (pipeline/terminal.py).

    ``lines``: a report of several lines, its line breaks kept, each line escaped.
    """
    from .terminal import printable

    parts = str(text).split("\n") if lines else [str(text)]
    click.echo("\n".join(printable(line) for line in parts))


def _error(text: str) -> None:
    """A one-line error on stderr, every control character in it shown escaped."""
    from .terminal import printable

    click.echo(printable(text), err=True)


def _json(data) -> None:
    """JSON on stdout, valid UTF-8 whatever bytes the names held."""
    from .terminal import utf8_safe

    click.echo(utf8_safe(json.dumps(data, ensure_ascii=False, indent=1)))


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="govdoc")
def main() -> None:
    """Turn scraped government portal pages into archival records.

    Each page (政务公开 article, notice, annual report, policy document) becomes a
    canonical XML record, an archival PDF (PDF/A) and a Word edition, both laid out
    per GB/T 9704-2012.

    \b
    Start with:
      govdoc convert pages/ -o records/
    then read records/manifest.json, or run `govdoc COMMAND --help`.
    """


def _formats(ctx, param, value: str) -> tuple[str, ...]:
    from .convert import FORMATS

    wanted = {v.strip().lower() for v in value.split(",") if v.strip()}
    unknown = wanted - set(FORMATS)
    if unknown:
        raise click.BadParameter(f"unknown format(s) {', '.join(sorted(unknown))}; "
                                 f"choose from {', '.join(FORMATS)}")
    wanted.add("xml")
    return tuple(f for f in FORMATS if f in wanted)


@main.command(context_settings=CONTEXT)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", "out", required=True, metavar="OUT",
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the records into (created if missing).")
@click.option("--formats", default="xml,pdf,docx", show_default=True, callback=_formats,
              metavar="LIST", help="Editions to produce, comma-separated: xml, pdf, docx. "
                                   "The XML is always produced.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Pages converted at once.  [default: the machine's cores]")
@click.option("--timeout", type=click.FloatRange(min=1), default=120, show_default=True,
              metavar="SECONDS", help="A page taking longer is stopped and reported failed.")
@click.option("--memory-limit", type=click.IntRange(min=256), default=4096, show_default=True,
              metavar="MB", help="Memory one page may use; a page needing more is reported failed.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="Where pages are converted: worker processes on this machine, or a Dask "
                   "cluster (started on this machine with --jobs workers unless --scheduler "
                   "is given; needs pip install 'govdoc[dask]').")
@click.option("--scheduler", metavar="ADDRESS",
              help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
                   "--executor dask).  Every worker needs govdoc installed, same version, and "
                   "must see the input and output folders at the same paths.")
@click.option("--validate-pdfa", is_flag=True,
              help="Run the PDF/A-3b checker on every PDF before it is published (about "
                   "0.25 s a page more); a failing PDF fails its page.  'govdoc check OUT' "
                   "runs the same checker on a finished batch.")
@click.option("--pages-per-worker", type=click.IntRange(min=1), default=None, metavar="N",
              help="Replace each worker process by a fresh one after N pages, so memory stays "
                   "flat over long batches (local executor).  [default: 500]")
@click.option("--force", is_flag=True,
              help="Convert every page again, even unchanged ones.  A record is replaced only "
                   "by a complete new one: if converting again fails, the earlier record is "
                   "kept and the failed attempt noted (last_attempt in the manifest).")
@click.option("--retry-failed", is_flag=True,
              help="Try again pages that failed because of the page itself, even if unchanged "
                   "(failures of the machine, such as a full disk, a timeout or a killed "
                   "worker, and partial records are tried again by any re-run).")
@click.option("--include", "include", multiple=True, metavar="PATTERN",
              help="Also take files whose name matches this glob as pages in the folders "
                   "given, e.g. '*.jsp' or '*.html.[0-9]' (repeatable; case does not matter; "
                   "a pattern with a / is matched against the path inside the folder).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; only errors and the summary.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a machine-readable summary on standard output (progress goes to stderr).")
def convert(inputs: tuple[str, ...], out: Path, formats: tuple[str, ...], jobs: int | None,
            timeout: float, memory_limit: int, executor: str, scheduler: str | None,
            validate_pdfa: bool, pages_per_worker: int | None, force: bool, retry_failed: bool,
            include: tuple[str, ...],
            quiet: bool, as_json: bool) -> None:
    """Convert portal pages into records: XML, PDF/A and Word.

    INPUT is a page file or a folder; folders are searched recursively for *.html,
    *.htm, *.shtml, *.shtm and *.xhtml (a page's own NAME_files/ folder, as a
    browser saves it, is part of that page and not searched).  Files that may be
    pages but have other names (.jsp, .php, .aspx, no extension, wget's x.html.1)
    and files that are not regular files are counted and named in the summary;
    --include takes them.  A FIFO, device or link to a file outside the folder
    with a page name fails alone, unread.  Pictures a page shows are read only
    from the page's own folder; nothing is ever fetched from the network.

    INPUT may also be a web archive (crawl.warc, crawl.warc.gz, crawl.wacz, or a
    folder holding them): every HTML response with status 200 is a page (a
    revisit read from its original, a redirect followed inside the archive
    only); 404s, other statuses and non-HTML records are skipped and counted in
    the summary.  Its pictures and attachments come from the same archive by URL;
    the WARC-Target-URI and WARC-Date are the page's origin.

    
    The pictures and 附件 a page links, when the capture holds them (beside the
    page, in NAME_files/, in the same archive), are copied into the record
    (attachments/, images/; at most 64 MB a file, 256 MB and 200 files a record)
    and embedded in the PDF/A as associated files; a linked file the capture
    lacks is a warning, never fetched.

    \b
    For every page OUT/<id>/ receives:
      source.html    the page exactly as scraped (byte for byte)
      document.xml   the canonical record (metadata, provenance, body)
      document.pdf   the archival edition (PDF/A-3b, GB/T 9704 layout, XML attached)
      document.docx  the Word edition (same layout, real styles)
      record.json    the record's own checksum file (every file's size and
                     SHA-256, its status), published together with the files
      attachments/, images/   the page's 附件 and original pictures (if held)
    <id> is the first 16 hex digits of the SHA-256 of the page's bytes: the same
    page always gets the same id, and is converted once whatever its names (the
    others' entries copy its record and name it in "duplicate_of").
    OUT/manifest.json lists every page with its status (ok, partial: the source
    and XML kept but an edition failed, or failed), its error if any, its
    output files and their SHA-256 checksums.
    OUT/index.html shows the batch at a glance: the counts, then the pages that
    failed or have warnings, then the rest, with a picture of each PDF's first
    page (500 records a page; index-2.html ... hold the rest of a large batch).
    OUT/catalogue.csv lists every page for Excel, its warnings included.
    Each record has a content digest (the document without its page chrome): a
    re-capture with other bytes but the same content is the same document
    ("same_as"); the same 索引号 (or URL) with other content is a new version.

    A page that cannot be converted is reported in one line and the batch goes
    on.  Running the same command again skips pages already converted (same
    bytes, same settings, every edition asked for) and redoes changed ones,
    partial records and failures of the machine; after Ctrl-C, a kill or a full
    disk it finishes the batch.  A record is never replaced by a worse one, and
    a narrower --formats never removes an edition a record has.

    \b
    Exit status: 0 every page converted; 1 some page failed or is partial;
    2 the command is wrong; 3 another govdoc batch is writing into OUT;
    4 the batch stopped (disk full, OUT not writable, damaged ledger,
    cluster unreachable); 130/143 interrupted (Ctrl-C/SIGTERM): run it again.

    \b
    Examples:
      govdoc convert scraped/ -o records/
      govdoc convert page1.html page2.shtml -o records/ --formats xml,pdf
      govdoc convert scraped/ -o records/ --jobs 2 --json > summary.json
      govdoc convert scraped/ -o records/ --scheduler tcp://10.0.0.5:8786
    """
    from .batch.run import BatchBusy, BatchStopped, run_batch
    from .convert import Settings
    from .batch.executors import ExecutorUnavailable, get_executor
    from .sources.inputs import find_pages
    from .batch.ledger import LedgerDamaged
    from .batch.pool import default_jobs
    from .batch.progress import Progress

    found = find_pages(list(inputs), exclude=out, include=include)
    pages = found.pages
    if not pages:
        hint = (f" ({len(found.not_taken)} file(s) that may be pages were left: "
                "see --include)") if found.not_taken else ""
        raise click.UsageError(f"no pages found in the inputs given{hint}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"cannot create the output folder {out}: {exc.strerror or exc}", EXIT_USAGE)
    try:
        run = get_executor(executor, scheduler)
    except ExecutorUnavailable as exc:
        _fail(str(exc), EXIT_USAGE)
    if executor == "dask" or scheduler:
        # workers elsewhere have another working folder: give them absolute paths
        pages = [dataclasses.replace(p, path=p.path.absolute()) for p in pages]
        out_root = out.absolute()
    else:
        out_root = out
    jobs = jobs or default_jobs()
    progress = Progress(total=len(pages), enabled=not quiet, stream=sys.stderr)
    again = "run the same command again to finish the batch"
    try:
        with _signals_interrupt(), progress:
            settings = Settings(formats=formats, validate_pdfa=validate_pdfa)
            report = run_batch(pages, out_root, settings, jobs=jobs, timeout=timeout,
                               memory_mb=memory_limit, force=force, retry_failed=retry_failed,
                               executor=run, on_result=progress.update,
                               pages_per_worker=pages_per_worker)
    except BatchBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except LedgerDamaged as exc:
        _fail(str(exc), EXIT_STOPPED)
    except ExecutorUnavailable as exc:
        _fail(f"{exc}; nothing was converted", EXIT_STOPPED)
    except BatchStopped as exc:
        _notices(exc.report.notices if exc.report else [])
        _fail(f"{exc}; records finished so far are intact; make room (or fix the folder) "
              f"and {again}", EXIT_STOPPED)
    except OSError as exc:  # the output folder itself failed (unplugged, read-only)
        name = exc.filename2 or exc.filename  # a rename names its target second
        where = f" ({name})" if name else ""
        _fail(f"cannot write to the output folder{where}: {exc.strerror or exc}; "
              f"records finished so far are intact; {again}", EXIT_STOPPED)
    except KeyboardInterrupt as exc:
        _fail(f"interrupted; records finished so far are intact; {again}",
              _interrupted_status(exc))
    _notices(report.notices)
    progress.final_summary(report, out, found)
    if as_json:
        summary = report.summary()
        summary["not_taken"] = len(found.not_taken)
        summary["not_taken_files"] = [{"input": n.shown, "reason": n.reason} for n in found.not_taken]
        summary["other_files"] = found.others  # pictures, stylesheets, documents beside the pages
        summary["archives"] = [{"archive": a.archive, "pages": a.pages,
                                "skipped": dict(a.skipped), "not_html": a.others,
                                "error": a.error} for a in found.archives]
        _json(summary)
    sys.exit(EXIT_FAILED if report.failed else EXIT_OK)


def _fail(line: str, status: int) -> None:
    """One line on stderr (names escaped, never obeyed), then the exit status."""
    _error(f"govdoc: {' '.join(line.split())}")
    sys.exit(status)


def _notices(lines: list[str]) -> None:
    for line in lines:
        _error(f"govdoc: {line}")


@main.command(context_settings=CONTEXT)
@click.argument("out", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "bag", required=True, metavar="BAG",
              type=click.Path(path_type=Path),
              help="Folder to create the bag in.  It must not exist yet.")
@click.option("--organization", metavar="NAME",
              help="Source-Organization written in bag-info.txt: who hands the bag over "
                   "(e.g. the archive or office).  [default: unknown, never guessed]")
@click.option("--description", metavar="TEXT",
              help="External-Description written in bag-info.txt.  [default: a sentence with "
                   "the counts]")
@click.option("--identifier", metavar="ID",
              help="External-Identifier written in bag-info.txt, e.g. the transfer number.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def package(out: Path, bag: Path, organization: str | None, description: str | None,
            identifier: str | None, as_json: bool) -> None:
    """Package an output folder as a BagIt bag to hand to a records archive.

    OUT is a folder written by `govdoc convert`.  BAG is created whole (it is
    built beside its final name and renamed into place, so it never exists half
    written); it must not exist yet.

    \b
    The bag (BagIt 1.0, RFC 8493, SHA-256 checksums) holds:
      data/<id>/...          a copy of every converted record's folder (with its
                             attachments/ and images/, the files the page linked)
      data/manifest.json     the batch manifest (every page, its files, checksums)
      data/catalogue.csv     the catalogue: one row per page, failures included
                             (题名, 索引号, 发文字号, 发文机关, 发布机构, dates,
                             source page and its SHA-256, status, reason, files);
                             UTF-8 with BOM, so Excel shows the Chinese correctly
      data/catalogue.json    the same catalogue for scripts
      data/index.html        the batch report (its links open the records' files)
      data/metadata/metadata.csv  Dublin Core per record, read by Archivematica
      bag-info.txt           Source-Organization, Bagging-Date, counts, generator
      manifest-sha256.txt    the checksum of every file in data/

    Every file is checked against the manifest while it is copied: a record that
    changed since it was converted is refused, not sealed into the bag; so is an
    output folder whose record folders and manifest disagree (an interrupted
    convert: run it again first).  A half-built bag left by a package that was
    killed is removed by the next package run into the same folder.

    \b
    Exit status: 0 the bag was written; 1 refused or not writable (nothing was
    written); 2 the command is wrong (OUT is no output folder, BAG exists);
    3 a govdoc convert is writing into OUT; 130/143 interrupted.

    Check the bag at any time with `govdoc verify BAG` (or any BagIt tool).

    \b
    Examples:
      govdoc package records/ -o transfer-2024-001/
      govdoc package records/ -o transfer-2024-001/ --organization "澧浦镇人民政府" \\
          --identifier "WS-2024-001"
      govdoc verify transfer-2024-001/
    """
    from .archive.package import PackageBusy, PackageError, PackageUsageError, make_package

    try:
        with _signals_interrupt():
            s = make_package(out, bag, organization=organization, description=description,
                             identifier=identifier)
    except PackageError as exc:
        _fail(str(exc), EXIT_USAGE if isinstance(exc, PackageUsageError)
              else EXIT_BUSY if isinstance(exc, PackageBusy) else EXIT_FAILED)
    except OSError as exc:  # where the bag goes cannot be written (disk full, no such folder)
        name = exc.filename2 or exc.filename
        _fail(f"cannot write the bag{f' ({name})' if name else ''}: "
              f"{exc.strerror or exc}; no bag was written", EXIT_FAILED)
    except KeyboardInterrupt as exc:
        _fail("interrupted; no bag was written", _interrupted_status(exc))
    for stale in s.removed or []:
        _error(f"govdoc: removed {stale}, a bag left half-built by an interrupted "
               "govdoc package")
    if as_json:
        _json({"bag": str(s.bag), "documents": s.documents, "ok": s.ok,
               "partial": s.partial, "failed": s.failed, "files": s.files,
               "bytes": s.bytes, "organization": s.organization})
    else:
        partial = f"{s.partial} partial records, " if s.partial else ""
        _say(f"{s.bag}: bag of {s.documents} documents ({s.ok} records, {partial}"
             f"{s.failed} failed, listed in data/catalogue.csv); {s.files} files, "
             f"{s.bytes / 1e6:.1f} MB; "
                   f"Source-Organization: {s.organization or '(none)'}")


@main.command(context_settings=CONTEXT)
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON on standard output instead of lines.")
def verify(folder: Path, as_json: bool) -> None:
    """Check that nothing in a bag or an output folder changed or went missing.

    DIR is a bag made by `govdoc package` (any BagIt bag will do) or an output
    folder made by `govdoc convert`.  Every file is read again in full and its
    SHA-256 compared with the checksum written when it was made (a bag's
    manifest-sha256.txt, an output folder's manifest.json).  A change of a single
    byte is found, even when the file keeps its size.  A bag made by govdoc is
    also checked against its own data/manifest.json and catalogue (a record they
    list must be in the bag, a record folder they do not list must not), and a
    malformed bag-info.txt is reported after the payload is checked, not instead.

    \b
    Each problem is one line:
      CHANGED data/<id>/document.pdf    the file's content differs
      MISSING data/<id>/document.xml    the file is listed but not there
      EXTRA data/<id>/notes.txt         the file is there but not listed
      INVALID ...                       the bag itself is malformed
    then a summary line.  Exit status: 0 all intact, 1 something changed, went
    missing or appeared, 2 DIR is neither a bag nor an output folder.

    This is a fixity check: it reads bytes, not documents.  `govdoc check OUT`
    also validates each record (schema, PDF/A, fonts, text fidelity).

    \b
    Examples:
      govdoc verify transfer-2024-001/
      govdoc verify records/
      govdoc verify transfer-2024-001/ --json > fixity-check.json
    """
    from .archive.verify import NotVerifiable, verify as run_verify

    try:
        verdict = run_verify(folder)
    except NotVerifiable as exc:
        _error(f"govdoc: {exc}")
        sys.exit(2)
    if as_json:
        _json(verdict.as_dict())
    else:
        for p in verdict.problems:
            _say(p.line())
        _say(verdict.summary())
    sys.exit(0 if verdict.ok else 1)


@main.command(context_settings=CONTEXT)
@click.argument("out", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the per-document results as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print only documents with problems.")
def check(out: Path, as_json: bool, quiet: bool) -> None:
    """Re-verify a finished batch, document by document.

    DIR is a folder `govdoc convert` wrote.  For each document of its manifest:
    every file is present and matches its SHA-256; the XML validates against the
    schema; the PDF passes the PDF/A checker, embeds all its fonts and carries the
    XML; the PDF's text and the Word edition's text hold every character of the
    XML body.  One line per document, OK or its problems; exit status 1 if any
    document has a problem.

    \b
    Example:
      govdoc check records/
    """
    from .batch.run import MANIFEST_NAME, read_manifest
    from .check import check_batch, describe

    if not (out / MANIFEST_NAME).is_file():
        raise click.UsageError(f"{out}: no {MANIFEST_NAME} here; is it a folder govdoc convert wrote?")
    try:
        manifest = read_manifest(out)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("documents"), list):
            raise ValueError("no list of documents")
    except (OSError, ValueError) as exc:
        _fail(f"{out / MANIFEST_NAME}: cannot be read ({' '.join(str(exc).split())[:120]}); "
              f"run govdoc convert into {out} again to rewrite it", EXIT_FAILED)
    results = check_batch(out, manifest)
    bad = [r for r in results if not r.ok]
    if as_json:
        _json([{"input": r.input, "id": r.id, "ok": r.ok, "problems": r.problems,
                "checked": r.checked} for r in results])
    else:
        for r in results:
            if r.ok and not quiet:
                _say(f"OK      {describe(r)}: {', '.join(r.checked)}")
            for p in r.problems:
                _say(f"PROBLEM {describe(r)}: {p}")
    click.echo(f"{len(results)} documents checked: {len(results) - len(bad)} ok, {len(bad)} with problems",
               err=as_json)
    sys.exit(1 if bad else 0)


@main.command(context_settings=CONTEXT)
@click.argument("page", metavar="PAGE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of text.")
def inspect(page: Path, as_json: bool) -> None:
    """Show how one page would be read, without writing anything.

    Use it when a record looks wrong: it tells you what the extractor decided and
    why, so you can see whether the page or the extractor is at fault.

    \b
    The report shows:
      encoding    the character set used, and whether the page declared it or it
                  had to be detected
      address     where the page came from, from the page's own statements
                  (saved-from comment, canonical link, og:url, Url meta tag,
                  base), the one used and the others; never fetched
      template    the portal family recognised (TRS, Hanweb, gov.cn, Guangdong
                  gkmlpt, Beijing, Shanghai ...) and the markers that matched
                  (a family matched on its URL alone narrows to the block that
                  is the article); "generic" when no known family fits, with
                  the winning score and the runner-up
      body from   the element taken as the article body
      metadata    each field with the page's own label (信息索引号, 发文机关,
                  Index No. ...), where it was read (label/value block, info
                  line, <meta> tag ...) and the date exactly as the page shows it
      also seen   values found elsewhere on the page that lost to a better
                  source, and labels whose value was a placeholder (— —, 无, /)
      trimmed     lines cut from the start and end of the body as page chrome
                  (breadcrumb, info line, share buttons, print/close, footer)
      left out    blocks inside the body element that are not the document
                  (the metadata table, the info line, a share bar), named
      masthead    a regulation's promulgation (国务院令 第N号, signer, date),
                  which is not the document's signature
      signature   the issuer and date that close the main text
      annex       each annex (附件) after the signature, with its title

    \b
    Exit status: 0 the page can be extracted, 1 it cannot (the reason is printed:
    an empty or binary file, an anti-bot challenge page, a page with no article).

    \b
    Examples:
      govdoc inspect pages/t20240509_12345.html
      govdoc inspect pages/notice.html --json > notice-inspect.json
    """
    from .errors import InputError
    from .extract.inspect import format_report, inspect_page
    from .sources.inputs import read_input

    from .sources.inputs import displayable

    try:  # a FIFO or a device is refused unread, as in convert (a plain read would hang)
        data = read_input(page)
    except InputError as exc:
        if "empty" not in str(exc) and "white space" not in str(exc):
            report = {"input": displayable(page.name), "ok": False, "error": str(exc),
                      "error_kind": "InputError"}
            if as_json:
                _json(report)
            else:
                _error(f"govdoc: {displayable(str(page))}: {exc}")
            sys.exit(1)
        data = page.read_bytes()  # a regular file, empty or blank: inspect_page explains it
    # a name that is not UTF-8 (GBK from a Chinese Windows zip) is shown as GB18030 reads it
    report = inspect_page(data, name=displayable(page.name))
    if as_json:
        _json(report)
    else:
        _say(format_report(report), lines=True)
    sys.exit(0 if report.get("ok") else 1)
