"""A private fontconfig file that maps the official Chinese font names to open fonts.

The .docx names the fonts Chinese offices have (仿宋_GB2312, 黑体, 楷体_GB2312,
方正小标宋简体, 宋体).  Out of the box fontconfig maps all of them to DejaVu Sans,
so LibreOffice previews would use the wrong style.  This file (passed to
LibreOffice through ``FONTCONFIG_FILE``; nothing on the system changes) includes
the system configuration and adds one alias per official name, pointing to the
open fonts and the fallback from ``layout.toml``.

``stylesheets/fonts.conf`` is generated from the house style:

    python -m pipeline.render.fontconfig > stylesheets/fonts.conf

and a test checks the committed file is up to date.
"""
from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from ..style import HouseStyle, house_style, stylesheet_path

SYSTEM_CONF = "/etc/fonts/fonts.conf"


def fonts_conf(hs: HouseStyle | None = None) -> str:
    """The fontconfig XML for the house style's typefaces."""
    hs = hs or house_style()
    out = ['<?xml version="1.0"?>',
           '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
           "<!-- Generated from stylesheets/layout.toml by pipeline/render/fontconfig.py;",
           "     do not edit by hand.  Used as FONTCONFIG_FILE when LibreOffice renders",
           "     the Word edition. -->",
           "<fontconfig>",
           f'  <include ignore_missing="yes">{SYSTEM_CONF}</include>']
    for key in hs.raw["fonts"]:
        face = hs.typeface(key)
        targets = [*face.open, *face.fallback] or hs.raw.get("docx", {}).get("preview", {}).get(key, [])
        if not targets:
            continue
        out.append(f"  <!-- {key} -->")
        for name in face.official:
            test = f'<test name="family"><string>{escape(name)}</string></test>'
            if face.weight == "bold":
                # 小标宋 is a heavy face in its own right: pick the bold open font
                # without asking Word for bold (which would embolden the real one).
                out.append(f'  <match target="pattern">{test}<edit name="weight" mode="assign">'
                           '<const>bold</const></edit><edit name="style" mode="assign">'
                           "<string>Bold</string></edit></match>")
            else:
                # Fandol's Bold files declare weight 400 like the Regular ones, so a
                # plain request could get FandolSong-Bold: ask for the Regular style.
                out.append(f'  <match target="pattern">{test}<test name="weight" compare="less">'
                           '<const>demibold</const></test><edit name="style" mode="assign">'
                           "<string>Regular</string></edit></match>")
            accept = "".join(f"<family>{escape(t)}</family>" for t in targets)
            out.append(f'  <alias binding="same"><family>{escape(name)}</family>'
                       f"<accept>{accept}</accept></alias>")
    out.append("</fontconfig>")
    return "\n".join(out) + "\n"


def fonts_conf_path():
    """The committed file (inside the installed stylesheets package)."""
    return stylesheet_path("fonts.conf")


def preview_conf(folder: Path, hs: HouseStyle | None = None) -> Path:
    """A fontconfig file for one LibreOffice run, written into ``folder``.

    It includes the committed ``fonts.conf`` and corrects one thing a static file
    cannot: Fandol's Bold programs declare the Regular weight (OS/2 400), so
    LibreOffice sees no bold face of FandolSong and draws the title with
    FandolSong-Regular outlined (a synthetic bold).  The bold programs of the
    house style (the title's) are linked into ``folder/fonts`` and scanned there
    with their real weight; the system's font cache is left alone (its entries
    were scanned before and keep weight 400)."""
    from .fonts import program_files

    hs = hs or house_style()
    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    programs = program_files()
    for key in hs.raw["fonts"]:
        face = hs.typeface(key)
        path = programs.get(face.face or "")
        if face.weight == "bold" and path is not None and not (fonts / path.name).exists():
            (fonts / path.name).symlink_to(path)
    conf = folder / "fonts.conf"
    conf.write_text("\n".join([
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        f"  <include ignore_missing=\"yes\">{escape(str(fonts_conf_path()))}</include>",
        f"  <dir>{escape(str(fonts))}</dir>",
        f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>",
        '  <match target="scan"><test name="file" compare="contains">'
        f"<string>{escape(str(fonts))}/</string></test>"
        '<edit name="weight" mode="assign"><const>bold</const></edit></match>',
        "</fontconfig>", ""]), encoding="utf-8")
    return conf


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(fonts_conf())
