"""Line breaks for a 公文 title (GB/T 9704 7.3.1).

A long title is broken "at word units" (词意完整) into a balanced shape (排列对称,
an inverted trapezoid or a diamond: upper lines not shorter than lower ones).
WeasyPrint would break it wherever the line is full ("…建设工作/情况的报告"), so
both renderers ask this module for the lines.

How: a Chinese word segmenter (jieba, with its dictionary cut to the common words
and the vocabulary of official titles added) tells where the words are; every
position between two characters gets a cost (a joint of an official title such as
before 关于 or after an organ name costs nothing, a plain word boundary a little,
a break inside a word, an organ name, 关于 or 的通知 a lot, inside a number or a
Latin word more than anything), and a dynamic programme chooses the breaks that
minimise those costs plus the lines' distance from a balanced width.  It looks at
each position once per line, so a 5 000-character title is broken in a blink.
"""
from __future__ import annotations

import io
import logging
import math
import os
import re
import threading
import unicodedata
from functools import lru_cache

#: Where a title may break: the text before the break ends with one of these ...
_AFTER = re.compile(
    r"(?:关于|印发|转发|召开|做好|加强|切实|进一步|"
    r"\d{4}年度?|\d{4}年\d{1,2}月|上半年|下半年|年度|工作|[，、：； ])$")
#: ... or with an organ name, when what follows starts the subject ("…局|关于…")
_ORGAN_END = re.compile(r"(?:人民政府|办公厅|办公室|委员会|管委会|政府|中心|"
                        r"[省市县区镇乡街局厅委办部署院会处所站社])$")
_SUBJECT_START = re.compile(r"^(?:关于|印发|转发|召开|做好|加强|切实|进一步|推进|开展|实施|贯彻)")
#: ... or the text after it starts with one of these.
_BEFORE = re.compile(r"^(?:关于|的(?:通知|通报|意见|实施意见|报告|决定|批复|函|请示|公告|通告|办法|规定|方案)|"
                     r"(?:实施)?(?:意见|方案|办法|规定|细则)|工作|情况|进展|\d{4}年|《)")

#: Words an official title must not be broken inside, added to the segmenter's
#: dictionary: organ names and their parts, and the endings of document titles.
TITLE_WORDS = (
    "关于", "印发", "转发", "人民政府", "办公厅", "办公室", "委员会", "管理委员会", "管委会",
    "人民代表大会", "常务委员会", "人大常委会", "政协", "发展改革委", "发展和改革委员会",
    "卫生健康委", "住房城乡建设部", "住房和城乡建设部", "人力资源社会保障部", "人力资源和社会保障部",
    "生态环境部", "自然资源部", "农业农村部", "应急管理部", "市场监督管理总局", "市场监管总局",
    "退役军人事务部", "文化和旅游部", "交通运输部", "工业和信息化部", "国务院", "国务院办公厅",
    "中共中央", "中共中央办公厅", "共青团中央", "实施意见", "指导意见", "若干意见", "实施方案",
    "工作方案", "行动方案", "实施细则", "管理办法", "暂行办法", "工作要点",
    *(f"的{w}" for w in ("通知", "通报", "意见", "实施意见", "指导意见", "若干意见", "决定", "批复",
                         "报告", "函", "复函", "请示", "公告", "通告", "办法", "规定", "方案",
                         "实施方案", "细则", "决议", "命令", "纪要", "公示", "答复")),
)
#: The last part of an organ name: a break just before it splits the name
#: (国务院|办公厅, 自然资源|部, 国家发展改革|委).
_ORGAN_SUFFIX = frozenset("人民政府 办公厅 办公室 委员会 管委会 常委会 总局 政府 部 委 局 厅 办 署 院 会 处 "
                          "所 站 社 中心 集团 公司 学校 大学".split())
#: An organ name in a title: from the start or a separator to an organ ending, before
#: a separator or the subject (a joint notice lists a dozen: "教育部 国家发展改革委 … 关于").
_ORGAN = re.compile(r"(?:^|(?<=[ 、，和及]))[\u4e00-\u9fff]{2,24}?"
                    r"(?:人民政府|办公厅|办公室|委员会|管委会|常委会|总局|中央|政府|部|委|局|厅|办|署|院|会|中心)"
                    r"(?=[ 、，和及]|关于|印发|转发|$)")
#: Words of the segmenter's own dictionary kept: those at least this frequent (about
#: 52 000 of 349 000), so that loading it takes a fraction of a second.
_MIN_FREQ = 50

# Costs of a break before title[i] (see the module docstring).
_JOINT, _BETWEEN, _BEFORE_SUFFIX, _IN_QUOTE, _IN_WORD, _NEVER = 0.0, 4.0, 20.0, 6.0, 30.0, 1000.0
#: Cost of a line's distance from its target width, per em squared, and of a line.
_BALANCE, _LINE = 0.5, 8.0
#: Titles of more lines than this are broken line by line (``_ragged_cuts``).
_MAX_SHAPED = 6
#: The upper lines' targets are this much wider than the lower ones' (inverted trapezoid).
_SLOPE = 0.06
_OPEN = "（(《“‘〔【[<"
_CLOSE = "）)》”’〕】]>，、。：；！？%．.,;:!?"


def display_width(text: str) -> float:
    """Width in ems: CJK and full-width forms 1, everything else about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def _char_width(c: str) -> float:
    return 1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _segmenter():
    """jieba's tokenizer over the common part of its dictionary plus ``TITLE_WORDS``,
    built once per process without jieba's cache file in the temporary folder."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, "rb") as fh:
        lines = [ln for ln in fh if int(ln.split(b" ", 2)[1]) >= _MIN_FREQ]
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total = tk.gen_pfdict(io.BytesIO(b"".join(lines)))
    tk.initialized = True
    for w in TITLE_WORDS:
        tk.add_word(w, freq=100_000)
    return tk


def words(title: str) -> list[str]:
    """The title cut into words (jieba, no HMM guessing: unknown runs stay characters)."""
    with _LOCK:
        return _segmenter().lcut(title, HMM=False)


def _breakable(text: str, i: int) -> bool:
    """May a line end between text[i-1] and text[i]? Never inside a number or word."""
    a, b = text[i - 1], text[i]
    if a.isascii() and a.isalnum() and b.isascii() and (b.isalnum() or b in ".%"):
        return False
    if (a, b) == ("年", "度") or a in _OPEN or b in _CLOSE:
        return False
    return True


def _joint(title: str, i: int) -> bool:
    """Is the break before title[i] at a word unit of an official title?"""
    head, tail = title[max(0, i - 12):i], title[i:i + 12]
    return bool(_AFTER.search(head) or _BEFORE.match(tail)
                or (_ORGAN_END.search(head) and _SUBJECT_START.match(tail)))


def break_costs(title: str) -> list[float]:
    """``costs[i]``: the cost of a line break before ``title[i]`` (index 0 unused)."""
    n = len(title)
    costs = [_IN_WORD] * (n + 1)
    starts: dict[int, str] = {}
    pos = 0
    for w in words(title):
        starts[pos] = w
        pos += len(w)
    depth = 0
    for i in range(1, n):
        c = title[i - 1]
        if c in "《“‘":
            depth += 1
        elif c in "》”’" and depth:
            depth -= 1
        if not _breakable(title, i):
            costs[i] = _NEVER
            continue
        if i in starts:
            cost = _BETWEEN
            if starts[i] in _ORGAN_SUFFIX:
                cost = _BEFORE_SUFFIX
            if _joint(title, i) or title[i - 1] == " " or title[i] == " ":
                cost = _JOINT
        else:
            cost = _IN_WORD
        if depth:
            cost += _IN_QUOTE
        costs[i] = cost
    for m in _ORGAN.finditer(title):
        for i in range(m.start() + 1, m.end()):
            costs[i] = max(costs[i], _BEFORE_SUFFIX)
    return costs


def break_title(title: str, max_width: float) -> list[str]:
    """The title's lines; one line when it fits ``max_width`` ems.

    Every line fits ``max_width`` (a character wider than that stands alone); the
    lines are as few as fit, as even as the word units allow, upper ones not shorter.
    """
    title = " ".join(title.split())
    if display_width(title) <= max_width or len(title) < 4:
        return [title]
    widths = [_char_width(c) for c in title]
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    costs = break_costs(title)
    fewest = max(2, math.ceil(prefix[-1] / max_width - 1e-9))
    if fewest <= _MAX_SHAPED:
        found = [r for n in range(fewest, fewest + 3) if (r := _best_cuts(title, prefix, costs, max_width, n))]
        if found:
            return _lines(title, min(found)[1])
    cuts = _ragged_cuts(title, prefix, costs, max_width)
    return _lines(title, cuts) if cuts is not None else [title]


def _line_width(title: str, prefix: list[float], a: int, b: int) -> float:
    """Width of title[a:b] without the spaces at its ends (they are not drawn)."""
    while a < b and title[a] == " ":
        a += 1
    while b > a and title[b - 1] == " ":
        b -= 1
    return prefix[b] - prefix[a]


def _best_cuts(title: str, prefix: list[float], costs: list[float], max_width: float,
               n: int) -> tuple[float, list[int]] | None:
    """(cost, breaks) of the cheapest breaks into exactly ``n`` lines, an extra line
    costing ``_LINE``: a dynamic programme over (line, position), each line's target
    a little wider than the next one's."""
    total = prefix[-1]
    size = len(title)
    avg = total / n
    targets = [avg * (1 + _SLOPE * ((n - 1) / 2 - k) / max(1, (n - 1) / 2)) for k in range(n)]
    inf = float("inf")
    best = [[inf] * (size + 1) for _ in range(n + 1)]
    back = [[-1] * (size + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for k in range(1, n + 1):
        prev_row, row, brow = best[k - 1], best[k], back[k]
        target = targets[k - 1]
        ends = [size] if k == n else range(1, size)
        for i in ends:
            cut = 0.0 if i == size else costs[i]
            if cut >= _NEVER and i != size:
                continue
            j = i - 1
            while j >= 0 and prefix[i] - prefix[j] <= max_width + 1e-9:
                if prev_row[j] < inf and (j == 0 or k > 1):
                    w = _line_width(title, prefix, j, i)
                    c = prev_row[j] + cut + _BALANCE * (w - target) ** 2
                    if c < row[i]:
                        row[i], brow[i] = c, j
                j -= 1
    if best[n][size] == inf:
        return None
    cuts, i = [], size
    for k in range(n, 0, -1):
        i = back[k][i]
        cuts.append(i)
    cuts.reverse()
    return best[n][size] + _LINE * n, cuts[1:]


def _ragged_cuts(title: str, prefix: list[float], costs: list[float],
                 max_width: float) -> list[int] | None:
    """Breaks for a title of many lines: each line near the full width, the cheapest
    break costs; one pass over (position, start of its line).  A character wider than
    the line stands alone."""
    size = len(title)
    target = max_width * 0.92
    inf = float("inf")
    best = [inf] * (size + 1)
    back = [-1] * (size + 1)
    best[0] = 0.0
    for i in range(1, size + 1):
        cut = 0.0 if i == size else costs[i]
        j = i - 1
        while j >= 0 and (prefix[i] - prefix[j] <= max_width + 1e-9 or j == i - 1):
            if best[j] < inf:
                w = _line_width(title, prefix, j, i)
                short = max(0.0, target - w) if i != size else 0.0
                c = best[j] + cut + _BALANCE * short ** 2
                if c < best[i]:
                    best[i], back[i] = c, j
            j -= 1
    if best[size] == inf:
        return None
    cuts, i = [], size
    while i > 0:
        i = back[i]
        cuts.append(i)
    cuts.reverse()
    return cuts[1:]


def _lines(title: str, cuts: list[int]) -> list[str]:
    bounds = zip((0, *cuts), (*cuts, len(title)))
    return [line for a, b in bounds if (line := title[a:b].strip())]
