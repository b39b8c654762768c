"""Dates as pages write them, read into ISO 8601 without inventing a time, a zone or a missing part.

``REAL`` holds strings copied from real pages (the address beside each); the other tests go through every
month name and rule with strings written in the same forms.
"""

from __future__ import annotations

import re

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.dates import ARABIC_DATE, to_iso
from plugins.model import Page

# (text as the page prints it, the page's address, day-first site, expected)
REAL = [
    # Arabic-Indic digits and an Egyptian month name: a listing of Shaam Network (shaam.org).
    ("١٣ أكتوبر ٢٠٢٢", "https://shaam.org/news/syria-news?page=1451", True, "2022-10-13"),
    # Syriac month names, with and without the article: Al-Quds al-Arabi and Palestine Remembered.
    ("29 كانون الأول 2012",
     "https://alqudsalarabi.co.uk/%d8%b9%d9%86%d8%a8-%d8%a8%d9%84%d8%af%d9%8a-%d9%85%d9%86-%d9%83%d8%b1%d9%92%d9%85-%d8%a7%d9%84%d8%ab%d9%88%d8%b1%d8%a9-%d8%a7%d9%84%d8%b3%d9%88%d8%b1%d9%8a%d8%a9-%d8%ac%d8%b1%d9%8a%d8%af%d8%a9",
     True, "2012-12-29"),
    ("9 كانون ثاني، 2008", "http://www.palestineremembered.com/GeoPoints/Bani_Na_im_828/Article_8323.html", True,
     "2008-01-09"),
    # Day-first numerals with a 12-hour clock: Al-Seyassah (elsiyasa.com), a Kuwaiti daily.
    ("20/01/2019 08:37AM", "https://elsiyasa.com/article/22791", True, "2019-01-20T08:37:00+03:00"),
    # Month-first numerals: the page reports the Damascus bombings of 2 July 2017 as "yesterday".
    ("7/3/2017", "https://ksaplayers.com/Ksahome/NewsDetial/?nid=7385928", False, "2017-07-03"),
    ("4/22/2022", "https://ksaplayers.com/Ksahome/NewsDetial/?nid=28011734", False, "2022-04-22"),
    # "اغسطس" without hamza: Al-Araby al-Jadeed; "م" after a time is p.m.: Al-Sharq (Doha).
    ("13 اغسطس 2014",
     "https://alaraby.co.uk/%D9%85%D9%82%D8%A7%D8%AA%D9%84%D9%88-%D8%AF%D8%A7%D8%B9%D8%B4-%D9%8A%D8%AA%D9%82%D8%AF%D9%85%D9%88%D9%86-%D9%81%D9%8A-%D8%B1%D9%8A%D9%81-%D8%AD%D9%84%D8%A8-%D8%B4%D9%85%D8%A7%D9%84-%D8%B3%D9%88%D8%B1%D9%8A%D8%A7",
     True, "2014-08-13"),
    ("03 يوليو 2014 , 01:06م", "https://al-sharq.com/article/03/07/2014/", True, "2014-07-03T13:06:00+03:00"),
    # "م" after the year marks the common era; the Hijri date beside it names the same day: Al-Wasat (Bahrain).
    ("الجمعة 02 مايو 2014م الموافق 03 رجب 1435هـ", "http://alwasatnews.com/news/881933.html", True, "2014-05-02"),
    # The Syriac month with its Egyptian and Maghrebi names in brackets: SMART News Agency (on microsyria.com).
    ("8 تشرين الثاني (نوفمبر - نونبر)، 2017",
     "https://microsyria.com/2017/11/08/%d8%aa%d9%88%d8%aa%d8%b1-%d8%b9%d8%b3%d9%83%d8%b1%d9%8a-%d8%a8%d9%8a%d9%86-%d8%aa%d8%ad%d8%b1%d9%8a%d8%b1-%d8%a7%d9%84%d8%b4%d8%a7%d9%85-%d9%88-%d8%a7%d9%84%d8%b2%d9%86%d9%83%d9%8a-%d9%81%d9%8a-%d8%a8",
     True, "2017-11-08"),
    ("31 آب (أغسطس - أوت)، 2017",
     "https://microsyria.com/2017/08/31/%d8%aa%d8%b3%d8%b9%d8%a9-%d9%82%d8%aa%d9%84%d9%89-%d8%a8%d8%a7%d9%82%d8%aa%d8%aa%d8%a7%d9%84-%d8%b9%d8%a7%d8%a6%d9%84%d9%8a-%d8%b4%d9%85%d8%a7%d9%84-%d8%a5%d8%af%d9%84%d8%a8",
     True, "2017-08-31"),
    # An English dateline on an Arabic page: Basirat (basirat.ir), Tehran.
    ("15 July 2017 - 11:03", "http://basirat.ir/ar/news/3584/", False, "2017-07-15T11:03:00+03:00"),
]


@pytest.mark.parametrize(("text", "source", "day_first", "expected"), REAL, ids=[r[0] for r in REAL])
def test_real_dates(text: str, source: str, day_first: bool, expected: str):
    # Kuwait and Damascus in July 2017 are both UTC+3; the zone stands for the outlet's own.
    zone = "Asia/Kuwait" if "elsiyasa" in source else "Asia/Damascus"
    assert to_iso(text, zone, day_first) == expected


def test_day_first_is_the_outlets_convention():
    assert to_iso("02/01/2019", day_first=True) == "2019-01-02"
    assert to_iso("02/01/2019", day_first=False) == "2019-02-01"
    # An ISO date is never read day first.
    assert to_iso("2019-02-01", day_first=True) == "2019-02-01"
    assert to_iso("2019-02-01T10:00:00+02:00", day_first=True) == "2019-02-01T10:00:00+02:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 كانون الثاني 2019", "2019-01-02"),
        ("15 شباط 2019", "2019-02-15"),
        ("3 آذار 2019", "2019-03-03"),
        ("12 نيسان 2018", "2018-04-12"),
        ("1 أيار 2018", "2018-05-01"),
        ("6 حزيران 2018", "2018-06-06"),
        ("13 تموز 2019", "2019-07-13"),
        ("14 آب 2019", "2019-08-14"),
        ("20 أيلول 2016", "2016-09-20"),
        ("2 تشرين أول 2017", "2017-10-02"),
        ("30 تشرين الثاني 2015", "2015-11-30"),
        ("31 كانون الأول 2013", "2013-12-31"),
        ("5 يناير 2020", "2020-01-05"),
        ("5 فبراير 2020", "2020-02-05"),
        ("12 نيسان/أبريل 2018", "2018-04-12"),  # both names, as Levantine sites print them
        ("١٥ شباط ٢٠١٩", "2019-02-15"),
        ("۱۵/۰۲/۲۰۱۹", "2019-02-15"),  # Extended Arabic-Indic (Persian) digits
    ],
)
def test_arabic_and_syriac_month_names(text: str, expected: str):
    assert to_iso(text, "Asia/Damascus", day_first=True) == expected


def test_what_dateutil_cannot_read_goes_to_dateparser():
    assert to_iso("16 July 2017 – 13:18", "Asia/Damascus") == "2017-07-16T13:18:00+03:00"


def test_time_of_day_in_arabic_keeps_the_outlets_zone():
    assert to_iso("الثلاثاء 12 آذار 2019 - 10:30", "Asia/Damascus", True) == "2019-03-12T10:30:00+02:00"
    assert to_iso("السبت، 13 يوليو 2019 - 03:25 مساءً", "Asia/Damascus", True) == "2019-07-13T15:25:00+03:00"
    assert to_iso("2019-02-01 10:30 م", None, True) == "2019-02-01T22:30:00"  # no zone known: none invented


@pytest.mark.parametrize("text", ["منذ ساعتين", "أيار 2018", "الثلاثاء", "2 hours ago", "May 2018", "", "   "])
def test_no_date_is_invented(text: str):
    # Relative times would be read against today's clock; a month alone names no day.
    assert to_iso(text, "Asia/Damascus", True) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("١٣ أكتوبر ٢٠٢٢", "2022-10-13"),  # https://shaam.org/news/syria-news?page=1451
        ("الإثنين ١٦ أبريل ٢٠١٨ - ١١:٤٨", "2018-04-16T11:48:00+04:30"),  # https://alalam.ir/tag/18194?page=31
        ("9 كانون ثاني، 2008", "2008-01-09"),
    ],
)
def test_arabic_dateline_pattern_finds_the_whole_date(line: str, expected: str):
    # Outlets build their dateline cleaners on ARABIC_DATE: the line it matches must read as the date.
    assert re.fullmatch(ARABIC_DATE, line)
    assert to_iso(line, "Asia/Tehran", day_first=True) == expected
    assert not re.fullmatch(ARABIC_DATE, "اشتباكات في 13 أكتوبر بين الفصائل")


def test_an_outlet_that_writes_day_first_gets_its_numerals_read_day_first(tmp_path):
    # The same saved page text, with the date a user's input gives: read by each outlet's own convention.
    chain = Chain(Settings({"PLUGINS_DISABLED": ["plugins.dedup"], "QUARANTINE_FILE": str(tmp_path / "q.jsonl")}))
    chain.open()
    try:
        text = "Clashes in Idlib\n\nFighting between two factions went on for a second day near Saraqib."
        day_first = chain.process(Page(url="https://www.syriahr.com/en/1/", outlet="sohr_en", text=text, published="02/01/2019"))
        month_first = chain.process(Page(url="https://sputniknews.com/middleeast/1/", outlet="sputnik", text=text, published="02/01/2019"))
    finally:
        chain.close()
    assert chain.outlets["sohr_en"].day_first and not chain.outlets["sputnik"].day_first
    assert day_first.record["published"] == "2019-01-02"
    assert month_first.record["published"] == "2019-02-01"
