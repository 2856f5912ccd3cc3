"""Every date form the portals show -> ISO text, time apart, page text kept."""
import pytest

from pipeline.extract.dates import find_date, parse_date


@pytest.mark.parametrize("text,iso,time", [
    ("2024-01-31", "2024-01-31", None),
    ("2024-01-31 15:51", "2024-01-31", "15:51:00"),
    ("2024-07-12  11:05:31", "2024-07-12", "11:05:31"),
    ("2024年01月05日", "2024-01-05", None),
    ("2024年1月5日　　　　", "2024-01-05", None),
    ("2015年04月08日10:05", "2015-04-08", "10:05:00"),
    ("二〇二四年二月二十三日", "2024-02-23", None),
    ("二〇〇九年十二月三十一日", "2009-12-31", None),
    ("2024-01-12-17:00:00", "2024-01-12", "17:00:00"),
    ("２０２４年３月１８日", "2024-03-18", None),
    ("2024/3/5", "2024-03-05", None),
    ("2024.03.05", "2024-03-05", None),
    # English editions
    ("March 15, 2024", "2024-03-15", None),
    ("Mar 15, 2024 09:35", "2024-03-15", "09:35:00"),
    ("15 March 2024", "2024-03-15", None),
    ("Sept. 3, 2023", "2023-09-03", None),
    ("December 31 2023", "2023-12-31", None),
])
def test_dates(text, iso, time):
    d = parse_date(text)
    assert d is not None and d.iso == iso and d.time == time and d.shown == text.strip()


@pytest.mark.parametrize("text", ["2024-13-01", "2023-02-29", "第2024号", "国发〔2024〕2号", "4月20日 18:10",
                                  "May 2024", "February 30, 2024", "Marchant 5, 2024"])
def test_not_dates(text):
    assert parse_date(text) is None


def test_date_inside_a_line():
    assert find_date("发布时间：2024-03-12 10:20　来源：县融媒体中心").iso == "2024-03-12"
