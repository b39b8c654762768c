import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.urls import article_id, canonical_url

PAGE = "https://www.presstv.ir/Detail/2013/07/13/313573/syria-militants-clash-in-aleppo"


@pytest.mark.parametrize(
    "variant",
    [
        PAGE,
        "HTTPS://WWW.PRESSTV.IR/Detail/2013/07/13/313573/syria-militants-clash-in-aleppo",
        "https://www.presstv.ir:443/Detail/2013/07/13/313573/syria-militants-clash-in-aleppo",
        PAGE + "/",
        PAGE + "#comments",
        PAGE + "?utm_source=twitter&utm_medium=social&utm_campaign=x",
        PAGE + "?fbclid=IwAR0abc&gclid=xyz&mc_cid=1&mc_eid=2&_ga=3",
        PAGE + "?",
        "  " + PAGE + "  ",
        "https://www.presstv.ir.//Detail/2013/07/13/./313573/syria-militants-clash-in-aleppo",
        "https://www.presstv.ir/Detail/2013/07/13/x/../313573/syria-militants-clash-in-aleppo",
        "https://user:secret@www.presstv.ir/Detail/2013/07/13/313573/syria-militants-clash-in-aleppo",
    ],
)
def test_ways_of_writing_one_page_give_one_url(variant):
    assert canonical_url(variant) == PAGE


def test_path_case_is_kept():
    assert canonical_url("https://example.com/Article/ABC") == "https://example.com/Article/ABC"


def test_other_ports_are_kept():
    assert canonical_url("http://Example.com:8080/a") == "http://example.com:8080/a"
    assert canonical_url("http://example.com:443/a") == "http://example.com:443/a"


def test_remaining_parameters_are_sorted_and_kept():
    url = "https://sputniknews.com/x?b=2&utm_term=q&a=1&id=7"
    assert canonical_url(url) == "https://sputniknews.com/x?a=1&b=2&id=7"
    assert canonical_url("https://ex.com/story.php?id=1995016") == "https://ex.com/story.php?id=1995016"


def test_html_escaped_ampersand_does_not_smuggle_tracking_in():
    assert canonical_url("https://ex.com/a?id=5&amp;utm_source=rss") == "https://ex.com/a?id=5"


def test_percent_escapes_are_normalised_without_changing_meaning():
    assert canonical_url("https://ex.com/%7euser/caf%c3%a9") == "https://ex.com/~user/caf%C3%A9"
    assert canonical_url("https://ex.com/café") == "https://ex.com/caf%C3%A9"
    assert canonical_url("https://ex.com/a%2fb") == "https://ex.com/a%2Fb"  # an escaped slash is not a slash


def test_international_host_becomes_punycode():
    assert canonical_url("https://Bücher.example/a") == "https://xn--bcher-kva.example/a"


def test_root_keeps_its_slash():
    assert canonical_url("https://Example.com") == "https://example.com/"
    assert canonical_url("https://example.com/?utm_source=x") == "https://example.com/"


def test_article_id_is_16_hex_of_sha256():
    assert article_id(PAGE) == hashlib.sha256(PAGE.encode()).hexdigest()[:16]
    assert len(article_id(PAGE)) == 16


url_parts = st.text(alphabet="abcXYZ019-._~%/é?&=#:", max_size=30)


@given(host=st.sampled_from(["Example.com", "www.presstv.ir", "b\u00fccher.de", "[::1]"]), rest=url_parts,
       scheme=st.sampled_from(["http", "HTTPS"]))
def test_canonical_url_is_idempotent(host, rest, scheme):
    once = canonical_url(f"{scheme}://{host}/{rest}")
    assert canonical_url(once) == once
