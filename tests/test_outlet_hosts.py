"""Input without an outlet name is matched to an outlet by its URL, also where two editions share a host."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain


@pytest.fixture(scope="module")
def chain():
    return Chain(Settings({"PLUGINS_DISABLED": ["plugins.dedup"]}))


@pytest.mark.parametrize(
    ("url", "outlet"),
    [
        ("https://www.syriahr.com/en/85512/", "sohr_en"),
        ("http://www.syriahr.com/en/?p=89525", "sohr_en"),
        ("https://www.syriahr.com/%D8%A7%D9%82%D8%AA%D8%AA%D8%A7%D9%84/402323/", "sohr"),
        ("http://www.syriahr.com/?p=342074", "sohr"),
        ("https://en.alalam.ir/news/1553744", "alalam"),
        ("https://www.alalam.ir/news/3525841", "alalam_ar"),
    ],
)
def test_the_edition_whose_article_paths_fit_is_chosen(chain: Chain, url: str, outlet: str):
    assert chain.find_outlet(None, url).name == outlet
