"""The Scrapy item a crawl exports: an article record, with one field per property of the one schema
(``schemas/article.schema.json``). Feed exporters, ``scrapy parse`` and item pipelines of other projects
handle it through itemadapter like any Scrapy item."""

from __future__ import annotations

import json

import scrapy

from plugins.export import SCHEMA_PATH

ARTICLE_FIELDS = tuple(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"])

ArticleItem = type("ArticleItem", (scrapy.Item,), {name: scrapy.Field() for name in ARTICLE_FIELDS})
ArticleItem.__doc__ = __doc__
