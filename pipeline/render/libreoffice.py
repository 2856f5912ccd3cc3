"""Render a .docx to PDF with LibreOffice, the way tests and previews need it.

Each call gets its own throw-away user profile (parallel conversions otherwise
fight over one profile lock) and a private fontconfig file (``fontconfig.
preview_conf``), so the official Chinese font names resolve to the installed
open fonts and the title's bold program is known as bold.  Used to measure the
Word edition's layout; the archival PDF comes from the PDF renderer, not from here.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import RenderError
from .fontconfig import preview_conf


def soffice() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: Path, outdir: Path, *, timeout: float = 120) -> Path:
    """Convert *docx* into *outdir*/<stem>.pdf and return that path."""
    exe = soffice()
    if exe is None:
        raise RenderError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="govdoc-lo-") as profile:
        env = dict(os.environ, FONTCONFIG_FILE=str(preview_conf(Path(profile))))
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}/lo-profile",
               "--convert-to", "pdf", "--outdir", str(outdir), str(docx)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    pdf = outdir / (Path(docx).stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file():
        raise RenderError(f"LibreOffice could not convert {Path(docx).name}: "
                          f"{(proc.stderr or proc.stdout).strip()[:200]}")
    return pdf
