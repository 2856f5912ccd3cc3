"""The portals' words (labels, placeholders, chrome phrases), loaded from data once.

Everything here is read from ``pipeline/portals/lexicon.toml`` and compiled into
lookup tables and regular expressions the first time it is needed, so the per-page
path never parses TOML or compiles a pattern.
"""
from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib.resources import files

#: Every kind of white space a label or value can carry.
SPACE_CHARS = " \t\r\n\f\v\u3000\xa0\u200b\u2002\u2003\u2009\ufeff\u00ad\u200c\u200d"
_SPACES = re.compile(f"[{SPACE_CHARS}]+")
_COLONS = re.compile(r"[:：︰]+")


def norm_label(text: str) -> str:
    """A label as looked up: NFKC, no spaces of any kind, no colons, no brackets, and
    for English labels no dots and no case (``Index No.`` = ``INDEX NO`` = ``indexno``)."""
    t = unicodedata.normalize("NFKC", text)
    t = _SPACES.sub("", t)
    t = _COLONS.sub("", t)
    t = t.strip("【】[]()（）<>《》·•")
    return t.replace(".", "").lower() if t.isascii() else t


def squash(text: str) -> str:
    return _SPACES.sub("", text or "")


def clean_value(text: str) -> str:
    """A value with its spaces collapsed (文号 values can be split over lines)."""
    return _SPACES.sub(" ", text or "").strip(" :：")


@dataclass(frozen=True)
class Lexicon:
    label_field: dict[str, str]          # normalised label -> canonical field ("" = other, "-" = ignore)
    label_rank: dict[str, int]           # normalised label -> priority within its field (lower wins)
    weak_labels: frozenset[str]
    placeholders: frozenset[str]
    meta_tags: dict[str, str]            # lower-cased <meta name> -> field
    chrome_phrases: tuple[str, ...]
    chrome_re: re.Pattern[str]           # any chrome phrase
    chrome_classes: frozenset[str]
    tail_headings: frozenset[str]
    chrome_lines: tuple[re.Pattern[str], ...]
    tail_lines: tuple[re.Pattern[str], ...]
    fillers_re: re.Pattern[str]
    info_labels: tuple[str, ...]
    info_re: re.Pattern[str]             # an info-line label followed by a colon
    info_max: int
    runon_re: re.Pattern[str]            # any strong label (spaces allowed inside) + colon
    split_re: re.Pattern[str]            # any label at all + colon: where labelled text splits
    anti_bot_phrases: tuple[str, ...]
    anti_bot_re: tuple[re.Pattern[str], ...]
    attach_ext_re: re.Pattern[str]
    attach_labels: frozenset[str]
    pinyin_re: re.Pattern[str]
    pinyin_min: int
    traditional_re: re.Pattern[str]
    simplified_re: re.Pattern[str]
    traditional_min: int


def _spaced(label: str) -> str:
    """Regex for a label whose characters may be separated by spaces (and, in an
    English label, dots: ``Doc. No.``); an English label starts a word."""
    # \s (every Unicode space, 　 and NBSP included) rather than a class of our own: the
    # patterns hold thousands of these joints, and a category compiles five times faster
    if label.isascii():   # letters of either case (a global IGNORECASE makes the big patterns slow)
        chars = (f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in label)
        return r"(?<![A-Za-z])" + r"[\s.]*".join(chars) + r"\.?"
    return r"\s*".join(re.escape(c) for c in label)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads(files("pipeline.portals").joinpath("lexicon.toml").read_text("utf-8"))
    labels = data["labels"]
    label_field: dict[str, str] = {}
    label_rank: dict[str, int] = {}
    for field, names in labels.items():
        if field in ("other", "ignore"):
            continue
        for i, name in enumerate(names):
            label_field.setdefault(norm_label(name), field)
            label_rank.setdefault(norm_label(name), 100 + i)
    for name in labels.get("other", []):
        label_field.setdefault(norm_label(name), "")
    for name in labels.get("ignore", []):
        label_field.setdefault(norm_label(name), "-")
    for field, names in data.get("priority", {}).items():
        for i, name in enumerate(names):
            label_rank[norm_label(name)] = i
    weak = frozenset(norm_label(x) for x in data.get("weak", {}).get("labels", []))
    strong_labels = sorted((k for k in label_field if k not in weak), key=len, reverse=True)
    runon_re = re.compile("(" + "|".join(_spaced(k) for k in strong_labels) + r")\s*[:：]")
    info = data["info_line"]
    info_labels = tuple(sorted(info["labels"], key=len, reverse=True))
    info_re = re.compile("(" + "|".join(_spaced(k) for k in info_labels) + r")\s*[:：]")
    every = sorted(set(label_field) | {norm_label(x) for x in info_labels}, key=len, reverse=True)
    split_re = re.compile("(" + "|".join(_spaced(k) for k in every) + r")\s*[:：]")
    chrome = data["chrome"]
    phrases = tuple(chrome["phrases"])
    ext = data["attachments"]["extensions"]
    return Lexicon(
        label_field=label_field,
        label_rank=label_rank,
        weak_labels=weak,
        placeholders=frozenset(squash(v) for v in data["placeholders"]["values"]) | {""},
        meta_tags={n.lower(): f for f, names in data["meta_tags"].items() for n in names},
        chrome_phrases=phrases,
        chrome_re=re.compile("|".join(re.escape(p) for p in phrases)),
        chrome_classes=frozenset(chrome["classes"]),
        tail_headings=frozenset(norm_label(x) for x in chrome["tail_headings"]),
        chrome_lines=tuple(re.compile(x) for x in chrome["line_regex"]),
        tail_lines=tuple(re.compile(x) for x in chrome.get("tail_line_regex", ())),
        fillers_re=re.compile("|".join(re.escape(x) for x in sorted(chrome.get("fillers", ["微信"]), key=len,
                                                                     reverse=True))),
        info_labels=info_labels,
        info_re=info_re,
        info_max=int(info["max_chars"]),
        runon_re=runon_re,
        split_re=split_re,
        anti_bot_phrases=tuple(data["anti_bot"]["phrases"]),
        anti_bot_re=tuple(re.compile(x, re.I) for x in data["anti_bot"]["regex"]),
        attach_ext_re=re.compile(r"\.(" + "|".join(ext) + r")(?:$|[?#&\s)）】\]])", re.I),
        attach_labels=frozenset(norm_label(x) for x in data["attachments"]["labels"]),
        pinyin_re=re.compile(data["mirror"]["pinyin_regex"]),
        pinyin_min=int(data["mirror"]["pinyin_min"]),
        traditional_re=re.compile("[" + re.escape(data["mirror"]["traditional"]) + "]"),
        simplified_re=re.compile("[" + re.escape(data["mirror"]["simplified"]) + "]"),
        traditional_min=int(data["mirror"]["traditional_min"]),
    )


def is_placeholder(value: str) -> bool:
    return squash(value) in lexicon().placeholders
