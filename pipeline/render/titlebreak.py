"""Line breaks for a 公文 title (GB/T 9704 7.3.1).

A long title is broken "at word units" into a balanced shape: an inverted
trapezoid (upper lines longer) or a diamond.  WeasyPrint would break it
wherever the line is full ("…建设工作/情况的报告"), so the renderer chooses the
breaks itself.  Without a dictionary, word units are approximated by the joints
of official titles: after an organ name (…局, …人民政府), around 关于 / 印发 /
的, around a year ("2024年度"), never inside a number or a Latin word.
"""
from __future__ import annotations

import itertools
import re
import unicodedata

#: Where a title may break: the text before the break ends with one of these ...
_AFTER = re.compile(
    r"(?:人民政府|办公厅|办公室|委员会|管委会|政府|"
    r"[省市县区镇乡街道局厅委办部署院会处所站社中心](?=关于|印发|转发|做好|加强|切实|进一步|推进|开展|实施|贯彻)|"
    r"关于|印发|转发|召开|做好|加强|切实|进一步|"
    r"\d{4}年度?|\d{4}年\d{1,2}月|上半年|下半年|年度|工作|"
    r"[，、：； ])$")
#: ... or the text after it starts with one of these.
_BEFORE = re.compile(r"^(?:关于|的(?:通知|通报|意见|实施意见|报告|决定|批复|函|请示|公告|通告|办法|规定|方案)|"
                     r"(?:实施)?(?:意见|方案|办法|规定|细则)|工作|情况|进展|\d{4}年|《)")


def display_width(text: str) -> float:
    """Width in ems: CJK and full-width forms 1, everything else about half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def _breakable(text: str, i: int) -> bool:
    """May a line end between text[i-1] and text[i]? Never inside a number or word."""
    a, b = text[i - 1], text[i]
    if a.isascii() and a.isalnum() and b.isascii() and (b.isalnum() or b in ".%"):
        return False
    if (a, b) == ("年", "度") or a in "（《“‘〔【" or b in "）》”’〕】，、。：；！？%":
        return False
    return True


def _score(lines: list[str], max_width: float) -> float:
    widths = [display_width(x) for x in lines]
    if max(widths) > max_width:
        return float("inf")
    spread = 0.5 * (max(widths) - min(widths))
    shape = 0.0
    if len(widths) == 2 and widths[1] > widths[0]:
        shape = 0.5 * (widths[1] - widths[0])  # prefer the longer line on top
    if len(widths) >= 3:
        # diamond or inverted trapezoid: the widest line is not the last
        if widths[-1] == max(widths) and widths[-1] > widths[0]:
            shape = 0.5 * (widths[-1] - widths[0])
    return spread + shape


def break_title(title: str, max_width: float) -> list[str]:
    """The title's lines; one line when it fits ``max_width`` ems."""
    title = " ".join(title.split())
    if display_width(title) <= max_width or len(title) < 4:
        return [title]
    n_lines = 2
    while display_width(title) > n_lines * max_width * 0.92 and n_lines < 6:
        n_lines += 1
    positions = [i for i in range(1, len(title)) if _breakable(title, i)]
    good = {i for i in positions if _AFTER.search(title[:i]) or _BEFORE.match(title[i:])}
    for n in range(n_lines, n_lines + 3):
        best: tuple[float, list[str]] | None = None
        for cut in _cuts(title, positions, n - 1):
            lines = [title[a:b].strip() for a, b in zip((0, *cut), (*cut, len(title)))]
            score = _score(lines, max_width)
            score += 8.0 * sum(1 for c in cut if c not in good)  # a split word costs more than any shape
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None and best[0] != float("inf"):
            return best[1]
    return [title]


def _cuts(title: str, positions: list[int], k: int):
    """Every choice of k break positions, limited to those near an even split."""
    total = len(title)
    window = max(6, total // (k + 1))
    near = [p for p in positions
            if any(abs(p - total * j / (k + 1)) <= window for j in range(1, k + 1))]
    return itertools.combinations(near, k)
