#!/usr/bin/env bash
# Install what the renderers need from Debian, only when it is missing.
#
#   scripts/install-system-deps.sh [--with-libreoffice] [--with-pandoc] [--with-chromium]
#
# Fonts: Noto CJK (per-glyph fallback, 小标宋 stand-in), the Fandol fonts
# (仿宋/楷体/黑体/宋体), unpacked from texlive-lang-chinese without installing TeX,
# and Hanazono (HanaMinA/B: the rare CJK Extension B-F characters Noto lacks).
# libharfbuzz-subset0: without it WeasyPrint subsets CJK fonts with fontTools and
# is 25-50x slower.  poppler-utils: pdftoppm/pdftotext for previews and tests.
# LibreOffice (tests only): renders the Word edition to check its layout.
# chromium (tests only): shows the hostile pages as a browser does, to compare texts.
# pandoc (benchmarks only): the alternative the DOCX edition is measured against.
# chromium (tests and benchmarks): loads index.html headless, as a reader's browser would.
#
# Each step that cannot run (not root, no apt) says so in one line and the script
# goes on; re-running it when everything is in place takes well under a second.
set -u

want_lo=0
want_pandoc=0
want_chromium=0
for arg in "$@"; do
    case "$arg" in
        --with-libreoffice) want_lo=1 ;;
        --with-pandoc) want_pandoc=1 ;;   # benchmarks only
        --with-chromium) want_chromium=1 ;;   # the browser tests of index.html
    esac
done

FANDOL_DIR=/usr/local/share/fonts/fandol
say() { printf 'setup: %s\n' "$*"; }

can_apt=1
if [ "$(id -u)" != 0 ]; then
    say "not root: skipping Debian packages (install fonts-noto-cjk fonts-hanazono libharfbuzz-subset0 poppler-utils and the Fandol fonts by hand)"
    can_apt=0
elif ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get: skipping Debian packages"
    can_apt=0
fi

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in fonts-noto-cjk fonts-hanazono libharfbuzz-subset0 poppler-utils fontconfig; do
    have_pkg "$p" || missing+=("$p")
done
if [ "$want_lo" = 1 ]; then
    have_pkg libreoffice-writer-nogui || missing+=(libreoffice-writer-nogui)
    # tests only: a real browser engine reads the hostile pages' visible text
    # (tests/test_hostile.py, driven by Playwright with no browser download of its own)
    have_pkg chromium || missing+=(chromium)
fi
if [ "$want_pandoc" = 1 ]; then
    have_pkg pandoc || missing+=(pandoc)
fi
if [ "$want_chromium" = 1 ]; then
    have_pkg chromium || missing+=(chromium)
fi
need_fandol=0
[ -f "$FANDOL_DIR/FandolFang-Regular.otf" ] || need_fandol=1

if [ "$can_apt" = 1 ] && { [ ${#missing[@]} -gt 0 ] || [ "$need_fandol" = 1 ]; }; then
    updated_marker=/var/lib/apt/lists/partial/.govdoc-updated
    if [ ! -e "$updated_marker" ]; then
        say "apt-get update"
        apt-get update -qq >/dev/null 2>&1 && touch "$updated_marker" || say "apt-get update failed; trying the installs anyway"
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || say "apt-get install ${missing[*]} failed; the renderers may fall back or be slow"
    fi
    if [ "$need_fandol" = 1 ]; then
        say "unpacking the Fandol fonts from texlive-lang-chinese into $FANDOL_DIR"
        tmp=$(mktemp -d)
        if (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1); then
            mkdir -p "$FANDOL_DIR"
            dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb | tar -x -C "$tmp" \
                --wildcards './usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol*.otf' \
                && cp "$tmp"/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol*.otf "$FANDOL_DIR"/ \
                && fc-cache -f "$FANDOL_DIR" >/dev/null 2>&1 \
                || say "could not unpack the Fandol fonts; Noto CJK will stand in for 仿宋/楷体"
        else
            say "could not download texlive-lang-chinese; Noto CJK will stand in for 仿宋/楷体"
        fi
        rm -rf "$tmp"
    fi
elif [ "$can_apt" = 1 ]; then
    say "system packages and fonts already in place"
fi
exit 0
