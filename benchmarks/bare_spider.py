"""The floor of the pipeline benchmark: the southfront spider's own discovery (feed, sitemaps, category
archives, the same link rules and the same requests), but an article page yields only its URL: no
parsing of the page, no hook chain, no item pipeline. Run outside the project, what is left is Scrapy's
own cost per page; inside it, Scrapy's plus the project's middlewares, dupefilter and feed storage.

    scrapy runspider benchmarks/bare_spider.py -a start_url=URL[,URL...] -O urls.jsonl
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.spiders import OutletSpider
from plugins.outlets.southfront import OUTLET


class BareSpider(OutletSpider):
    name = "bare"
    outlet = OUTLET
    custom_settings = {"ITEM_PIPELINES": {}}

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"url": response.url}
