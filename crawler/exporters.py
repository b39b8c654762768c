"""Item exporters for flat formats (``FEED_EXPORTERS``): a record's lists and objects become JSON text."""

from __future__ import annotations

import json
from typing import Any

from scrapy.exporters import CsvItemExporter


class JsonValuesCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter, except that a list or object (``groups``, ``authors``, ``images``, ...) is
    written as JSON, which pandas, DuckDB or a spreadsheet formula can read back, instead of Scrapy's
    comma-joined strings or Python's repr; a missing value (null) is an empty cell."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, (list, dict)):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
