"""Turning the many ways pages write a date into ISO 8601, honestly: no invented time or zone.

Dates written with Latin letters and digits are read by python-dateutil; dates with words in another
script (Arabic and Syriac month names, Arabic weekday names, "م"/"مساءً" for p.m.), and what dateutil
cannot read, by dateparser, which knows those words. Arabic-Indic digits become ASCII digits first. Numerals such as "02/01/2019" are read
month first unless the outlet says its numerals are day-first (``Outlet.day_first``).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Two defaults that differ in every time field: whatever differs after parsing was not in the text.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)
# Arabic-Indic (U+0660..) and Extended Arabic-Indic (Persian, U+06F0..) digits; the Arabic comma.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹،", "01234567890123456789,")
# Levantine sites write both month names: "نيسان/أبريل", "كانون الثاني (يناير)", "تشرين الثاني (نوفمبر -
# نونبر)" (with the Maghrebi name too); the first is enough.
_SECOND_MONTH_NAME = re.compile(
    r"([\u0600-\u06ff])\s*(?:/\s*[\u0600-\u06ff]+|\(\s*[\u0600-\u06ff][\u0600-\u06ff\s/–-]*\))"
)
# "2014م": the year marked as of the common era (not "م" for p.m., which follows a time); the Hijri date
# some pages add after it ("الموافق 03 رجب 1435هـ") names the same day.
_AD_YEAR = re.compile(r"(?<=\d{4})\s?م(?![\u0600-\u06ff])")
_HIJRI_EQUIVALENT = re.compile(r"\s*الموافق\s.*?هـ")
# The Syriac months written without the article ("كانون ثاني", "تشرين اول"), as many pages do.
_SYRIAC_ORDINAL = re.compile(r"(كانون|تشرين)\s+(?:ال)?(?:(أول|اول)|ثاني)")


# For outlets' dateline patterns: a date written in Arabic, "١٣ أكتوبر ٢٠٢٢", "الخميس، 22 شباط 2018".
_ARABIC_MONTH = (
    r"(?:يناير|فبراير|مارس|[أا]بريل|مايو|يونيو|يوليو|[أا]غسطس|سبتمبر|[أا]كتوبر|نوفمبر|ديسمبر|"
    r"كانون (?:ال)?(?:[أا]ول|ثاني)|شباط|آذار|نيسان|[أا]يار|حزيران|تموز|آب|[أا]يلول|تشرين (?:ال)?(?:[أا]ول|ثاني))"
)
_ARABIC_WEEKDAY = r"(?:ال)?(?:سبت|[أا]حد|[إا]ثنين|ثلاثاء|[أا]ربعاء|خميس|جمعة)"
ARABIC_DATE = (
    rf"(?:{_ARABIC_WEEKDAY}،?\s+)?[0-9٠-٩]{{1,2}}\s+{_ARABIC_MONTH}(?:\s*/\s*\S+|\s*\([^()]*\))?،?\s+[0-9٠-٩]{{4}}"
    r"(?:\s*[-–|،]?\s*[0-9٠-٩]{1,2}:[0-9٠-٩]{2}(?::[0-9٠-٩]{2})?(?:\s*(?:ص|م|صباحاً?|مساءً?))?)?"
)


def to_iso(value: str | None, zone: str | None = None, day_first: bool = False) -> str | None:
    """ISO 8601 for a date written in a page, or None when it is not a whole date.

    A value with its own offset keeps it; a naive date-time gets ``zone`` (the outlet's time zone)
    when one is known and stays naive otherwise; a value with no time of day gives a date only.
    ``day_first`` reads "02/01/2019" as 2 January (the outlet's convention); ISO dates are never affected.
    """
    if not value or not value.strip():
        return None
    text = " ".join(value.translate(_DIGITS).split())
    if _DATE_ONLY.match(text):
        return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        has_time = "T" in text or " " in text
    except ValueError:
        # Words in another script go to dateparser; so does what dateutil cannot read ("16 July 2017 – 13:18").
        in_words = any(c.isalpha() and not c.isascii() for c in text)
        read = None if in_words else _read_latin(text, day_first)
        read = read or _read_words(text, day_first)
        if read is None:
            return None
        parsed, has_time = read
    if not has_time:
        return parsed.date().isoformat()
    if parsed.tzinfo is None and zone:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.isoformat(timespec="seconds")


def _read_latin(text: str, day_first: bool) -> tuple[datetime, bool] | None:
    try:
        parsed = dateutil_parser.parse(text, default=_DEFAULT_A, dayfirst=day_first)
        other = dateutil_parser.parse(text, default=_DEFAULT_B, dayfirst=day_first)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.date() != other.date():
        return None  # the text does not name a whole date
    return parsed, (parsed.hour, parsed.minute) == (other.hour, other.minute)


def _read_words(text: str, day_first: bool) -> tuple[datetime, bool] | None:
    text = _AD_YEAR.sub("", _HIJRI_EQUIVALENT.sub("", text))
    text = _SECOND_MONTH_NAME.sub(r"\1", text)
    text = _SYRIAC_ORDINAL.sub(lambda m: m[1] + (" الأول" if m[2] else " الثاني"), text)
    data = _parser(day_first).get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj, data.period == "time"


@cache
def _parser(day_first: bool):
    # Imported on first use: dateparser loads its language data lazily but is slow to import.
    from dateparser.date import DateDataParser

    return DateDataParser(
        # ar-SY: Modern Standard Arabic plus the Syriac month names (كانون الثاني, شباط, آذار, ...).
        locales=["ar-SY", "en"],
        settings={
            # Only what the text says: no "2 hours ago" read against today's clock, no missing year,
            # month or day filled in from today.
            "PARSERS": ["absolute-time"],
            "REQUIRE_PARTS": ["day", "month", "year"],
            "RETURN_TIME_AS_PERIOD": True,
            "DATE_ORDER": "DMY" if day_first else "MDY",
        },
    )
