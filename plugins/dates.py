"""Turning the many ways pages write a date into ISO 8601, honestly: no invented time or zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Two defaults that differ in every time field: whatever differs after parsing was not in the text.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)


def to_iso(value: str | None, zone: str | None = None) -> str | None:
    """ISO 8601 for a date written in a page, or None when it is not a date.

    A value with its own offset keeps it; a naive date-time gets ``zone`` (the outlet's time zone)
    when one is known and stays naive otherwise; a value with no time of day gives a date only.
    """
    if not value or not value.strip():
        return None
    text = " ".join(value.split())
    if _DATE_ONLY.match(text):
        return text
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        has_time = "T" in text or " " in text
    except ValueError:
        try:
            parsed = dateparser.parse(text, default=_DEFAULT_A)
            other = dateparser.parse(text, default=_DEFAULT_B)
        except (ValueError, OverflowError, TypeError):
            return None
        has_time = (parsed.hour, parsed.minute) == (other.hour, other.minute)
        if parsed.date() != other.date():
            return None  # the text does not name a whole date
    if not has_time:
        return parsed.date().isoformat()
    if parsed.tzinfo is None and zone:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.isoformat(timespec="seconds")
