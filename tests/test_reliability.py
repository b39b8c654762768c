"""Bad input, hostile pages and faults, against a misbehaving server on 127.0.0.1.

One crawl (``hostile``) of a site on which a third of the article pages are bad in every way the crawler
must survive: each case below is checked on its outcome (exported correctly, or quarantined with a reason
a user understands), and the crawl as a whole on its accounting, on what it never fetched and on memory.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.pipelines import SUMMARY_LINE
from crawler.feeds import DurableFileFeedStorage, FeedJournal, OutputGuard, SyncedFile, record_key
from crawler.middlewares import AddressGuardMiddleware, origin, private_address
from crawler.pipelines import HookChainPipeline
from plugins.chain import STAT, Chain, SimpleStats
from plugins.export import validator
from plugins.model import Outlet, Page
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy
from tests.faulty_server import (
    FaultyServer, Reply, article_html, cut_off, dropped, failing, page, redirect, stalled, story,
)

OUTLET = "southfront"
ARABIC = "اندلعت اشتباكات بين هيئة تحرير الشام وحركة أحرار الشام في ريف إدلب"
MAXSIZE = 1024 * 1024
HUGE = article_html("A page far larger than any article", ["Clashes went on. " * 90_000])
BOMB_ENTITIES = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BOMB_DTD = f'<!DOCTYPE bomb [<!ENTITY lol0 "lol">{BOMB_ENTITIES}<!ENTITY xxe SYSTEM "file:///etc/passwd">' \
           '<!ENTITY leak SYSTEM "{base}/xxe-leak">]>'
DEPTH_LIMIT = project_settings.DEPTH_LIMIT
HOSTILE_JSON_LD = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "' + "x" * 5_000
                   + '", "keywords": ' + json.dumps([f"tag {i}" for i in range(5_000)]) + ', "author": '
                   + json.dumps([{"name": f"Author {i}"} for i in range(2_000)]) + "}</script>")


@dataclass
class Case:
    path: str
    reply: Reply
    expect: str  # "exported", or a piece of the quarantine reason
    body: str = ""  # for an exported page: text its body must contain


def good(number: int) -> Reply:
    return page(article_html(*story(number)))


def arabic(charset: str | None = "utf-8") -> str:
    title, paragraphs = story(100)
    return article_html(title, [*paragraphs, ARABIC], charset=charset)


def cases(base: str) -> list[Case]:
    title, paragraphs = story(200)
    bad = [
        Case("/no-article-body-here/", page('<!DOCTYPE html><html><head><title>Idlib</title></head><body>'
                                            '<nav><a href="/">Home</a></nav></body></html>'), "no article body"),
        Case("/only-page-furniture/", page(article_html("Support us", ["Support SouthFront", "Illustrative image", "2,500 $",
                                                                       "Click to see the full-size map"])),
             "no article body left after removing page furniture"),
        Case("/truncated-html-page/", page(article_html(title, paragraphs)[:900]), "the page is cut off"),
        Case("/declared-utf8-really-windows-1256/", page(arabic().replace(ARABIC, ARABIC * 3).encode("cp1256")),
             "could not be decoded"),
        Case("/double-encoded-mojibake/", page(article_html(
            title, [*paragraphs, ARABIC.encode("utf-8").decode("cp1252", "replace") + " they donâ€™t agree."])),
             "text is mojibake (UTF-8 read as Windows-1252)"),
        Case("/error-page-served-with-200/", page('<!DOCTYPE html><html><head><title>404 Not Found</title></head>'
                                                  '<body><h1>Page not found</h1><div class="entry-content"><p>Sorry,'
                                                  ' the page you requested does not exist on this server any more.'
                                                  '</p></div></body></html>'), "error page served as content"),
        Case("/huge-page-with-length/", page(HUGE), "larger than DOWNLOAD_MAXSIZE"),
        Case("/huge-page-streamed/", page(HUGE, length=False), "larger than DOWNLOAD_MAXSIZE"),
        Case("/binary-served-as-html/", page(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40), "binary data (a PNG image)"),
        Case("/image-not-a-page/", page(b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png"),
             "not a web page but image/png"),
        Case("/always-server-error/", page("<html><body>Oops</body></html>", status=500),
             "HTTP 500 Internal Server Error (gave up after 2 retries"),
        Case("/gone-for-good-page/", page("<html><body>Gone</body></html>", status=404), "HTTP 404 Not Found"),
        Case("/stalls-past-timeout/", stalled(2.5), "no complete answer within DOWNLOAD_TIMEOUT (1"),
        Case("/always-drops-connection/", dropped, "the server dropped the connection"),
        Case("/connection-cut-midway/", cut_off(article_html(title, paragraphs), 300),
             "closed before the whole page arrived"),
        Case("/forbidden-by-robots-page/", good(201), "robots.txt forbids it"),
        Case("/redirects-to-localhost/", redirect(base.replace("127.0.0.1", "localhost") + "/report-number-1/"),
             "localhost is this machine (loopback)"),
        Case("/redirects-to-ipv6-loopback/", redirect("http://[::1]/report-number-1/"), "::1 is a loopback address"),
        Case("/redirects-to-private-network/", redirect("http://10.1.2.3/report-number-1/"), "10.1.2.3 is a private address"),
        Case("/redirects-to-cloud-metadata/", redirect("http://169.254.169.254/latest/meta-data/"),
             "169.254.169.254 is a link-local address"),
        Case("/redirects-to-a-local-file/", redirect("file:///etc/passwd"), "a file: URL is not a web page"),
        Case("/redirects-to-another-site/", redirect("http://evil.example/report-number-1/"),
             "evil.example is another site"),
        Case("/redirects-without-end/", lambda handler, n: redirect(f"/redirects-without-end/?n={hops(handler) + 1}")(
            handler, n), "more than 5 redirects (REDIRECT_MAX_TIMES)"),
        Case("/redirects-in-a-loop/", redirect("/loop-back-page/"), "redirects in a loop"),
        Case("/login-wall-page/", page(article_html("Rival factions clash in Idlib", [
            "Fighting broke out between two factions.", "Sign in to continue reading this article."])),
             "the page is a login wall, not an article: it says 'Sign in to continue'"),
        Case("/captcha-bot-check-page/", page(article_html("southfront.press", [
            "Please verify you are a human", "Press & Hold to confirm you are a human (and not a bot)."])),
             "the page is a captcha or bot check, not an article"),
        Case("/oversized-json-ld-page/", page(article_html(title, paragraphs, head=HOSTILE_JSON_LD)),
             "the tags has 5000 entries, more than any real article's (100"),
    ]
    fixed = [
        Case("/declared-latin1-really-utf8/", page(arabic(charset=None), content_type="text/html; charset=iso-8859-1"),
             "exported", ARABIC),
        Case("/correct-windows-1256-arabic/", page(arabic("windows-1256").encode("cp1256"),
                                                   content_type="text/html; charset=windows-1256"), "exported", ARABIC),
        Case("/utf8-with-bom-labelled-cp1252/", page(b"\xef\xbb\xbf" + arabic(None).encode("utf-8"),
                                                     content_type="text/html; charset=windows-1252"), "exported", ARABIC),
        Case("/no-charset-anywhere-utf8/", page(arabic(None), content_type="text/html"), "exported", ARABIC),
        Case("/server-error-then-recovers/", failing(2, page("busy", status=503), good(300)), "exported",
             story(300)[1][0]),
        Case("/dropped-then-recovers/", failing(1, dropped, good(301)), "exported", story(301)[1][0]),
        # Nesting deeper than any parser's limit, before the article's text: the article is still read.
        Case("/fifty-thousand-nested-divs/", page(article_html(*story(302)).replace(
            '<div class="entry-content">', '<div class="entry-content">' + "<div>" * 50_000 + "</div>" * 50_000)),
             "exported", story(302)[1][2]),
        # Deep enough to break a recursive walk of the tree, shallow enough for Scrapy's parser to keep.
        Case("/a-thousand-nested-divs-mid-page/", page(article_html(*story(304)).replace(
            "</p><p>", "</p>" + "<div>" * 1_000 + "</div>" * 1_000 + "<p>", 1)), "exported", story(304)[1][2]),
        Case("/json-ld-nested-100000-deep/", page(article_html(*story(303), head='<script type="application/ld+json">'
                                                               + "[" * 100_000 + "]" * 100_000 + "</script>")),
             "exported", story(303)[1][2]),
    ]
    # A third of the article pages are bad.
    normal = [Case(f"/report-number-{i}/", good(i), "exported", story(i)[1][0])
              for i in range(1, 2 * len(bad) - len(fixed) + 1)]
    return bad + fixed + normal


def hops(handler) -> int:
    return int(parse_qs(urlsplit(handler.path).query).get("n", ["0"])[0])


def listings(base: str, articles: list[str]) -> dict[str, Reply]:
    urls = "".join(f"<url><loc>{base}{path}</loc></url>" for path in articles)
    bomb = BOMB_DTD.format(base=base)
    return {
        "/loop-back-page/": redirect("/redirects-in-a-loop/"),
        "/robots.txt": page("User-agent: *\nDisallow: /forbidden-by-robots-page/\n", content_type="text/plain"),
        "/sitemap.xml": page(f'<?xml version="1.0" encoding="UTF-8"?><urlset>{urls}</urlset>', "application/xml"),
        # Entity bombs and external entities, in a feed and in a sitemap: refused, nothing expanded or fetched.
        "/feed/": page(f'<?xml version="1.0"?>{bomb}<rss><channel><item><title>&lol9;</title><link>&lol9;</link>'
                       f'</item><item><link>&xxe;</link></item><item><link>&leak;</link></item></channel></rss>',
                       "application/rss+xml"),
        "/bomb-sitemap.xml": page(f'<?xml version="1.0"?>{bomb}<urlset><url><loc>&lol9;</loc></url>'
                                  f'<url><loc>&leak;</loc></url></urlset>', "application/xml"),
        # A sitemap index that leads to another, and another: a trap that DEPTH_LIMIT ends.
        "/trap.xml": lambda handler, n: page(f'<?xml version="1.0"?><sitemapindex><sitemap><loc>/trap.xml?level='
                                             f'{hops(handler) + 1}</loc></sitemap></sitemapindex>', "application/xml")(
            handler, n),
        "/links.html": page('<html><body><a href="{0}/other-host-article-page/">a</a>'
                            '<a href="file:///etc/passwd">b</a><a href="ftp://127.0.0.1/ftp-article-page/">c</a>'
                            '<a href="javascript:alert(1)">d</a><a href="//evil.example/protocol-relative-page/">e</a>'
                            '<a href="/report-number-1/">f</a></body></html>'.format(base.replace("127.0.0.1", "localhost"))),
    }


@dataclass
class Crawl:
    server: FaultyServer
    cases: list[Case]
    log: str
    feed: list[dict]
    quarantine: list[dict]
    seconds: float
    max_rss_mb: float


# Started from a small fresh interpreter, so that the crawl's peak memory is its own: a child forked
# straight from the test process starts out as large as the test process (its peak survives the exec).
MEASURED_LAUNCH = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def crawl_in_subprocess(args: list[str], log: Path) -> tuple[int, float, float]:
    """Run ``scrapy`` in a subprocess; return its exit status, wall time and peak memory (MiB)."""
    started = time.monotonic()
    with log.open("w") as stderr:
        launched = subprocess.run([sys.executable, "-c", MEASURED_LAUNCH, sys.executable, "-m", "scrapy", *args],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True, check=True)
    status, max_rss_kib = map(int, launched.stdout.split())
    return status, time.monotonic() - started, max_rss_kib / 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Crawl:
    tmp = tmp_path_factory.mktemp("hostile")
    with FaultyServer() as server:
        base = server.base_url
        site = cases(base)
        server.routes.update({case.path: case.reply for case in site})
        server.routes.update(listings(base, [case.path for case in site]))
        start = ",".join(base + path for path in ("/sitemap.xml", "/feed/", "/bomb-sitemap.xml", "/trap.xml",
                                                  "/links.html"))
        feed = tmp / f"{OUTLET}.jsonl"
        status, seconds, rss = crawl_in_subprocess(
            ["crawl", OUTLET, "-a", f"start_url={start}", "-O", str(feed), "-s", f"DEDUP_STORE={tmp / 'state.sqlite'}",
             *FAST, "-s", "DOWNLOAD_TIMEOUT=1", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}"], tmp / "log.txt")
    log = (tmp / "log.txt").read_text()
    assert status == 0, log[-3000:]
    quarantine = tmp / "quarantine" / f"{OUTLET}.jsonl"
    return Crawl(server, site, log, read_jsonl(feed), read_jsonl(quarantine) if quarantine.exists() else [],
                 seconds, rss)


def path(url: str) -> str:
    return urlsplit(url).path


CASE_PATHS = [case.path for case in cases("http://127.0.0.1:1")]


@pytest.mark.parametrize("case_path", CASE_PATHS)
def test_each_page_is_exported_correctly_or_quarantined_with_its_reason(hostile: Crawl, case_path: str):
    case = next(c for c in hostile.cases if c.path == case_path)
    exported = [r for r in hostile.feed if path(r["url"]) == case.path]
    entries = [e for e in hostile.quarantine if path(e["url"]) == case.path]
    if case.expect == "exported":
        assert len(exported) == 1 and not entries, entries
        assert case.body in exported[0]["body"]
        assert "\ufffd" not in exported[0]["body"] and "Ø" not in exported[0]["body"]
    else:
        assert not exported
        [entry] = entries
        assert any(case.expect in reason for reason in entry["reasons"]), entry["reasons"]
        assert re.search(rf"Quarantined \S+{re.escape(case.path)}\S* \(\w+\): ", hostile.log), "no log line"


def test_the_crawl_accounts_for_every_article_page(hostile: Crawl):
    bad = [c for c in hostile.cases if c.expect != "exported"]
    assert len(bad) * 3 >= len(hostile.cases)
    summary = re.search(r"southfront: (\d+) article pages -> (\d+) exported, (\d+) quarantined, (\d+) duplicates",
                        hostile.log)
    pages, exported, quarantined, duplicates = map(int, summary.groups())
    assert pages == exported + quarantined + duplicates == len(hostile.cases)
    assert (exported, quarantined) == (len(hostile.feed), len(hostile.quarantine)) == (
        len(hostile.cases) - len(bad), len(bad))
    assert "unaccounted" not in hostile.log
    for record in hostile.feed:
        assert not list(validator().iter_errors(record))
    for entry in hostile.quarantine:
        assert entry["reasons"] and all(isinstance(r, str) and len(r) > 20 for r in entry["reasons"])


def test_a_gap_in_the_accounting_is_an_error_in_the_log(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO, logger="crawler.pipelines")
    settings = Settings({"DEDUP_STORE": str(tmp_path / "state.sqlite")})
    crawler = SimpleNamespace(settings=settings, stats=SimpleStats(), spider=SimpleNamespace(name=OUTLET))
    pipeline = HookChainPipeline(crawler)
    pipeline.chain = Chain(settings, crawler.stats)
    pipeline.chain.open()
    for key, count in (("pages", 3), ("exported", 1), ("quarantined", 1)):  # one page lost on the way
        crawler.stats.inc_value(STAT(key), count)
    pipeline.close_spider()
    summary = SUMMARY_LINE.search(caplog.text)  # the line `scrapy demo` reads, and fails on a gap
    assert summary and summary.groups() == (OUTLET, "3", "1", "1", "0")
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        f"{OUTLET}: 1 article pages are unaccounted for: neither exported, quarantined nor counted as duplicates "
        "(see the errors above)"]


def test_nothing_is_fetched_from_other_hosts_schemes_or_forbidden_paths(hostile: Crawl):
    server = hostile.server
    assert server.hosts() == {urlsplit(server.base_url).netloc}, "a request reached the server by another name"
    assert server.requested("/robots.txt") >= 1
    assert server.requested("/forbidden-by-robots-page/") == 0
    assert server.requested("/xxe-leak") == 0, "an external entity was fetched"
    assert server.user_agents == {project_settings.USER_AGENT}


def test_entity_bombs_are_not_expanded_and_memory_stays_bounded(hostile: Crawl):
    assert hostile.max_rss_mb < 500, hostile.max_rss_mb
    assert hostile.seconds < 90
    everything = json.dumps([hostile.feed, hostile.quarantine])
    assert "lollol" not in everything and "root:" not in everything


def test_a_sitemap_trap_ends_at_depth_limit(hostile: Crawl):
    assert 1 < hostile.server.requested("/trap.xml") <= DEPTH_LIMIT + 1


# --- politeness and limits: documented settings, set on purpose --------------------------------------

def test_politeness_and_limit_settings_suit_small_news_sites():
    s = project_settings
    assert s.ROBOTSTXT_OBEY is True and s.AUTOTHROTTLE_ENABLED is True
    assert s.AUTOTHROTTLE_START_DELAY >= 1 and s.AUTOTHROTTLE_MAX_DELAY >= 10 and s.AUTOTHROTTLE_TARGET_CONCURRENCY <= 2
    assert 1 <= s.CONCURRENT_REQUESTS_PER_DOMAIN <= 2 and s.DOWNLOAD_DELAY >= 0.5
    assert "conflict-feeds" in s.USER_AGENT and "Scrapy" not in s.USER_AGENT
    assert 1024 * 1024 <= s.DOWNLOAD_MAXSIZE <= 50 * 1024 * 1024 and s.DOWNLOAD_WARNSIZE < s.DOWNLOAD_MAXSIZE
    assert 10 <= s.DOWNLOAD_TIMEOUT <= 60 and 1 <= s.RETRY_TIMES <= 5 and 1 <= s.REDIRECT_MAX_TIMES <= 10
    assert 3 <= s.DEPTH_LIMIT <= 50
    assert s.DOWNLOADER_MIDDLEWARES["crawler.middlewares.AddressGuardMiddleware"] > 600  # before redirects


# --- arguments and names never choose a path outside output/ -------------------------------------------

@pytest.mark.parametrize("argument", ["start_url=../../escaped", "start_url=file:///etc/passwd", "name=../../escaped",
                                      "outlet=x"])
def test_bad_spider_arguments_are_refused_and_write_nothing(tmp_path: Path, argument: str):
    project = tmp_path / "a" / "b" / "project"  # deep enough that "../../escaped" stays in tmp_path
    project.mkdir(parents=True)
    (project / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    result = run_scrapy("crawl", OUTLET, "-a", argument, *FAST, cwd=project, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode != 0
    assert "start_url must be an http(s) URL" in result.stderr or "unknown spider argument" in result.stderr
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["scrapy.cfg"]


def test_an_odd_start_url_only_changes_what_is_fetched_not_where_the_feed_goes(tmp_path: Path):
    (tmp_path / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    with FaultyServer({"/feed/": page('<rss><channel><item><link>/report-number-1/</link></item></channel></rss>',
                                      "application/rss+xml"), "/report-number-1/": good(1)}) as server:
        result = run_scrapy("crawl", OUTLET, "-a", f"start_url={server.base_url}/feed/?name=../../x&path=%2e%2e/%2e%2e/y#../..", *FAST,
                            cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(read_jsonl(tmp_path / "output" / f"{OUTLET}.jsonl")) == 1
    assert {p.parent for p in tmp_path.rglob("*") if p.is_file()} == {tmp_path, tmp_path / "output", tmp_path / "output" / "state"}


@pytest.mark.parametrize("name", ["../escaped", "a/b", "Sputnik", "", "x.y", "\u0000x"])
def test_outlet_names_that_could_leave_output_are_refused(name: str):
    with pytest.raises(ValueError, match="outlet name"):
        Outlet(name=name, title="X", domains=("x.example",), start_urls=("https://x.example/",),
               article_paths=(r"^/a/",))


# --- the address guard --------------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "kind"), [
    ("localhost", "loopback"), ("api.localhost", "loopback"), ("127.0.0.1", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("192.168.1.1", "private"), ("172.16.5.4", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "private"),
    ("::ffff:127.0.0.1", "loopback"),
])
def test_private_and_loopback_addresses_are_recognised(host: str, kind: str):
    assert kind in private_address(host)


@pytest.mark.parametrize("host", ["southfront.press", "93.184.216.34", "2606:4700::1111"])
def test_public_addresses_are_not_private(host: str):
    assert private_address(host) is None


class FakeCrawler:
    def __init__(self, spider) -> None:
        self.spider = spider


class FakeSpider:
    def __init__(self, explicit=(), allowed=("southfront.press",)) -> None:
        self.explicit_origins = frozenset(map(origin, explicit))
        self.allowed_domains = list(allowed)


@pytest.mark.parametrize(("url", "explicit", "refused"), [
    ("https://southfront.press/a-b-c/", (), False),
    ("https://www.southfront.press/a-b-c/", (), False),  # a subdomain of the outlet's, as Scrapy allows
    ("http://127.0.0.1:8000/a-b-c/", (), True),
    ("http://127.0.0.1:8000/a-b-c/", ("http://127.0.0.1:8000/feed/",), False),  # an explicit -a start_url's origin
    ("http://127.0.0.1:8001/a-b-c/", ("http://127.0.0.1:8000/feed/",), True),  # another port on its host
    ("https://127.0.0.1:8000/a-b-c/", ("http://127.0.0.1:8000/feed/",), True),  # another scheme
    ("http://localhost/a-b-c/", ("http://localhost:80/",), False),  # the default port, written or not
    ("http://localhost:8000/a-b-c/", ("http://127.0.0.1:8000/",), True),
    ("http://evil.example/a-b-c/", (), True),
    ("ftp://southfront.press/a-b-c/", (), True),
])
def test_the_guard_refuses_what_the_crawl_must_not_fetch(url: str, explicit: tuple, refused: bool):
    hosts = [origin(u)[1] for u in explicit]
    guard = AddressGuardMiddleware(FakeCrawler(FakeSpider(explicit, ["southfront.press", *hosts])))
    assert bool(guard.refusal(url)) == refused


def test_redirects_to_other_ports_and_to_names_resolving_to_private_addresses_are_refused(tmp_path: Path):
    """The start URL's host name resolves (fake DNS, as no test may use real DNS) to this machine, and only
    its exact origin may be fetched: a redirect to another port on it, or to a subdomain of it that resolves
    to the cloud metadata address, is refused before anything connects there, and the article quarantined."""
    with FaultyServer({"/internal-admin-page/": good(2)}) as internal, FaultyServer() as server:
        port, other = (urlsplit(s.base_url).port for s in (server, internal))
        mirror = f"http://mirror.test:{port}"
        server.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", content_type="text/plain"),
            "/feed/": page("<rss><channel>" + "".join(f"<item><link>{mirror}{p}</link></item>" for p in (
                "/report-number-1/", "/redirects-to-another-port/", "/redirects-to-a-name-for-metadata/",
                "/redirects-to-the-same-host-by-ip/")) + "</channel></rss>", "application/rss+xml"),
            "/report-number-1/": good(1),
            "/redirects-to-another-port/": redirect(f"http://mirror.test:{other}/internal-admin-page/"),
            "/redirects-to-a-name-for-metadata/": redirect(f"http://metadata.mirror.test:{port}/latest/meta-data/"),
            "/redirects-to-the-same-host-by-ip/": redirect(f"http://127.0.0.1:{port}/report-number-1/"),
        })
        feed = tmp_path / "feed.jsonl"
        dns = json.dumps({"mirror.test": "127.0.0.1", "metadata.mirror.test": "169.254.169.254"})
        result = run_scrapy("crawl", OUTLET, "-a", f"start_url={mirror}/feed/", "-O", str(feed),
                            "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", "-s", f"FAKE_DNS={dns}",
                            "-s", "TWISTED_DNS_RESOLVER=tests.faulty_server.FakeResolver", *FAST)
        assert internal.requested("/internal-admin-page/") == 0
    assert result.returncode == 0, result.stderr[-3000:]
    assert [path(r["url"]) for r in read_jsonl(feed)] == ["/report-number-1/"]
    reasons = {path(e["url"]): e["reasons"][0] for e in read_jsonl(tmp_path / "quarantine" / "feed.jsonl")}
    assert reasons == {
        "/redirects-to-another-port/": "not fetched: mirror.test resolves to 127.0.0.1, a loopback address",
        "/redirects-to-a-name-for-metadata/":
            "not fetched: metadata.mirror.test resolves to 169.254.169.254, a link-local address",
        "/redirects-to-the-same-host-by-ip/":
            f"not followed: the page redirects to http://127.0.0.1:{port}/report-number-1/, 127.0.0.1 is a loopback address",
    }


# --- feeds that survive a kill -----------------------------------------------------------------------

def test_an_unfinished_last_line_is_cut_off_before_appending(tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"id": "1"}\n{"id": "2"}\n{"id": "3", "bo')
    storage = DurableFileFeedStorage(str(feed), feed_options={"format": "jsonlines", "overwrite": False})
    with storage.open(None) as handle:
        handle.write(b'{"id": "4"}\n')
    assert [r["id"] for r in read_jsonl(feed)] == ["1", "2", "4"]


def test_a_resumed_job_appends_to_a_feed_it_was_told_to_overwrite(tmp_path: Path):
    feed, jobdir = tmp_path / "feed.jsonl", tmp_path / "job"
    jobdir.mkdir()
    feed.write_bytes(b'{"id": "0"}\n')  # from an earlier job: the first run overwrites it
    options = {"format": "jsonlines", "overwrite": True}
    for line in (b'{"id": "1"}\n', b'{"id": "2"}\n'):  # a run stopped cleanly, then resumed
        DurableFileFeedStorage(str(feed), feed_options=options, jobdir=str(jobdir))  # Scrapy's check that it can
        storage = DurableFileFeedStorage(str(feed), feed_options=options, jobdir=str(jobdir))
        handle = storage.open(None)
        handle.write(line)
        storage.store(handle)
    assert [r["id"] for r in read_jsonl(feed)] == ["1", "2"]
    storage = DurableFileFeedStorage(str(feed), feed_options=options)  # a new run, no job
    handle = storage.open(None)
    handle.write(b'{"id": "3"}\n')
    storage.store(handle)
    assert [r["id"] for r in read_jsonl(feed)] == ["3"]


@pytest.mark.parametrize("fmt", ["jsonl", "jsonlines", "jl"])
def test_a_feed_whose_last_run_was_killed_is_appended_to_not_overwritten(tmp_path: Path, fmt: str):
    feed = tmp_path / "feed.out"  # the format, not the file name, says it is JSON Lines
    feed.write_bytes(b'{"id": "0"}\n')  # from a finished earlier run: overwritten
    options = {"format": fmt, "overwrite": True}
    killed = DurableFileFeedStorage(str(feed), feed_options=options)
    killed.open(None).write(b'{"id": "1"}\n{"id": "2", "bo')  # killed in the middle of its second item
    rerun = DurableFileFeedStorage(str(feed), feed_options=options)
    handle = rerun.open(None)
    handle.write(b'{"id": "2"}\n')
    rerun.store(handle)
    assert [r["id"] for r in read_jsonl(feed)] == ["1", "2"]
    assert not list(tmp_path.glob("*.running"))


def journal_chain(tmp_path: Path) -> Chain:
    chain = Chain(Settings({"DEDUP_STORE": str(tmp_path / "state.sqlite"),
                            "QUARANTINE_FILE": str(tmp_path / "quarantine.jsonl")}), feed_path=str(tmp_path / "f.jsonl"))
    chain.open()
    return chain


def test_a_record_the_store_remembers_but_the_feed_lacks_is_written_on_the_next_start(tmp_path: Path):
    feed = tmp_path / "f.jsonl"
    chain = journal_chain(tmp_path)
    journal = FeedJournal(feed)
    chain.pm.register(journal)
    first, second = (Page(url=f"https://southfront.press/report-number-{i}/", outlet=OUTLET,
                          html=article_html(*story(i))) for i in (1, 2))
    written = chain.process(first).record
    feed.write_text(json.dumps(written) + "\n")
    journal.written(written)
    lost = chain.process(second).record  # the crawl is killed here: recorded as exported, never written
    feed.write_text(feed.read_text() + '{"schema_version": 2, "id": "half')  # and a half-written line
    chain.close()

    chain = journal_chain(tmp_path)
    assert FeedJournal(feed).recover(chain) == 1
    assert [record_key(r) for r in read_jsonl(feed)] == [record_key(written), record_key(lost)]
    assert chain.process(second).status == "duplicate"  # a re-crawl does not export it again
    chain.close()
    assert not (tmp_path / "state" / "f.jsonl.pending").exists()


def test_a_record_killed_before_the_store_remembered_it_is_left_to_the_next_crawl(tmp_path: Path):
    feed = tmp_path / "f.jsonl"
    chain = journal_chain(tmp_path)
    journal = FeedJournal(feed)
    record = chain.process(Page(url="https://southfront.press/report-number-3/", outlet=OUTLET,
                                html=article_html(*story(3)))).record
    chain.close()
    journal.export_article(record)  # journalled, then killed before plugins.dedup recorded it

    chain = journal_chain(tmp_path / "other")  # a store that never saw it
    assert FeedJournal(feed).recover(chain) == 0
    chain.close()
    assert not feed.exists()


# --- walls and bounds (plugins/sanity.py) ---------------------------------------------------------------

@pytest.mark.parametrize(("paragraphs", "kind"), [
    (["Rebels and government forces clashed near Idlib on Monday.", "Subscribe to continue reading."], "a paywall"),
    (["You have reached your free article limit. Already a subscriber? Log in."], "a paywall"),
    (["You must be logged in to view this content."], "a login wall"),
    (["Checking your browser before accessing southfront.press.", "This process is automatic."],
     "a captcha or bot check"),
    (["Enable JavaScript and cookies to continue"], "a captcha or bot check"),
    (["We value your privacy", "We and our 842 partners store and access information on your device."],
     "a cookie consent page"),
])
def test_walls_are_quarantined_not_exported(chain: Chain, paragraphs: list[str], kind: str):
    outcome = chain.process(Page(url="https://southfront.press/a-wall/", outlet=OUTLET,
                                 html=article_html("Fighting in Idlib", paragraphs)))
    assert outcome.status == "quarantined"
    assert any(f"the page is {kind}, not an article" in reason for reason in outcome.reasons), outcome.reasons


def test_an_article_that_mentions_a_wall_phrase_is_still_exported(chain: Chain):
    title, paragraphs = story(7)
    long_paragraph = " ".join(paragraphs * 12)  # a full-length article ...
    outcome = chain.process(Page(url="https://southfront.press/long-one/", outlet=OUTLET, html=article_html(
        title, [long_paragraph, "Subscribers can sign in to continue reading our archive."])))  # ... with a footer
    assert outcome.status == "exported", outcome.reasons


def test_fields_beyond_any_real_article_are_quarantined_with_the_reason(chain: Chain):
    title, paragraphs = story(8)
    outcome = chain.process(Page(url="https://southfront.press/hostile-metadata/", outlet=OUTLET,
                                 html=article_html(title, paragraphs, head=HOSTILE_JSON_LD)))
    assert outcome.status == "quarantined"
    assert [reason.split(",")[0] for reason in outcome.reasons] == [
        "the title has 5000 characters", "the authors has 2000 entries", "the tags has 5000 entries"]


# --- feeds and sitemaps: parsed safely and completely ----------------------------------------------------

def test_feeds_and_sitemaps_with_entity_bombs_and_long_prologs_are_still_read(tmp_path: Path):
    """A billion-laughs DOCTYPE (and external entities) before the items, and a prolog far longer than any
    sniffing window: nothing expanded or fetched, and every item still followed."""
    prolog = '<?xml version="1.0"?><!-- ' + "a long licence comment " * 400 + '-->'
    def bomb(base: str) -> str:
        return prolog + BOMB_DTD.format(base=base)
    routes = {f"/report-number-{i}/": good(i) for i in range(1, 7)}
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", content_type="text/plain")
    with FaultyServer(routes) as server:
        base = server.base_url
        server.routes["/feed/"] = page(bomb(base) + "<rss><channel><item><title>&lol9;</title><link>&xxe;</link></item>"
                                       + "".join(f"<item><title>&lol9;</title><link>{base}/report-number-{i}/</link></item>"
                                                 for i in (1, 2, 3)) + "</channel></rss>", "application/rss+xml")
        server.routes["/sitemap.xml"] = page(bomb(base) + "<urlset><url><loc>&leak;</loc></url>" + "".join(
            f"<url><loc>{base}/report-number-{i}/</loc><lastmod>&lol9;</lastmod></url>" for i in (4, 5, 6))
                                             + "</urlset>", "application/xml")
        feed = tmp_path / "feed.jsonl"
        result = run_scrapy("crawl", OUTLET, "-a", f"start_url={base}/feed/,{base}/sitemap.xml", "-O", str(feed),
                            "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", *FAST)
        assert server.requested("/xxe-leak") == 0
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(path(r["url"]) for r in read_jsonl(feed)) == [f"/report-number-{i}/" for i in range(1, 7)]
    assert "lollol" not in feed.read_text()
    assert "declares a document type" in result.stderr


# --- every article request ends as one outcome ---------------------------------------------------------

def meta_refresh(target: str) -> Reply:
    return page(f'<html><head><meta http-equiv="refresh" content="0; url={target}"><title>Moved</title></head>'
                '<body><p>This article has moved.</p></body></html>')


def test_articles_that_refresh_or_redirect_elsewhere_are_accounted_for(tmp_path: Path):
    """Meta refreshes and redirects to a page crawled already, to a listing, to another site: each article
    page the crawl reached is exported, quarantined with the reason or counted as a duplicate."""
    routes = {
        "/robots.txt": page("User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/report-number-1/": good(1), "/report-number-2/": good(2),
        "/refreshes-to-a-crawled-article/": meta_refresh("/report-number-1/"),
        "/redirects-to-a-crawled-article/": redirect("/report-number-1/", status=301),
        "/refreshes-to-a-new-article/": meta_refresh("/report-number-2/"),
        "/refreshes-to-the-feed/": meta_refresh("/feed/"),
        "/refreshes-to-another-site/": meta_refresh("http://evil.example/report-number-3/"),
        "/refreshes-to-cloud-metadata/": meta_refresh("http://169.254.169.254/latest/meta-data/"),
    }
    links = ["/report-number-1/", *[p for p in routes if p.startswith(("/refreshes", "/redirects"))]]
    with FaultyServer(routes) as server:
        server.routes["/feed/"] = page("<rss><channel>" + "".join(f"<item><link>{server.base_url}{link}</link></item>"
                                                                  for link in links) + "</channel></rss>",
                                       "application/rss+xml")
        feed = tmp_path / "feed.jsonl"
        result = run_scrapy("crawl", OUTLET, "-a", f"start_url={server.base_url}/feed/", "-O", str(feed),
                            "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", *FAST)
        assert server.hosts() == {urlsplit(server.base_url).netloc}
    assert result.returncode == 0, result.stderr[-3000:]
    summary = SUMMARY_LINE.search(result.stderr)
    assert summary and summary.groups()[1:] == ("7", "2", "3", "2"), summary and summary.group()
    assert sorted(path(r["url"]) for r in read_jsonl(feed)) == ["/report-number-1/", "/report-number-2/"]
    reasons = {path(e["url"]): e["reasons"][0] for e in read_jsonl(tmp_path / "quarantine" / "feed.jsonl")}
    base = server.base_url
    assert reasons == {
        "/refreshes-to-the-feed/": f"not an article: the page refreshes to {base}/feed/, which is not an article "
                                   "page of the outlet",
        "/refreshes-to-another-site/": "not followed: the page refreshes to http://evil.example/report-number-3/, "
                                       "another site than the one crawled",
        "/refreshes-to-cloud-metadata/": "not followed: the page refreshes to http://169.254.169.254/latest/meta-data/,"
                                         " another site than the one crawled",
    }


# --- a full disk or a dead store stops the run, and nothing reported as exported goes missing -----------

def full_disk_site(count: int) -> dict[str, Reply]:
    routes = {f"/report-number-{i}/": good(i) for i in range(1, count + 1)}
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", content_type="text/plain")
    routes["/bad-page-for-quarantine/"] = page(article_html("404 Not Found", ["Sorry, nothing here."]))
    return routes


def crawl_with_file_size_limit(server: FaultyServer, tmp_path: Path, limit: int | None, *extra: str):
    """`scrapy crawl` of the server's sitemap into tmp_path; with ``limit``, no file it writes may grow past
    ``limit`` bytes (RLIMIT_FSIZE: a write beyond it fails as on a full disk)."""
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", OUTLET, "-a", f"start_url={server.base_url}/sitemap.xml",
         "-O", str(tmp_path / "feed.jsonl"), "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", *FAST, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limit_file_size if limit else None)


@pytest.mark.parametrize("fault", ["full disk", "quarantine file on a full device"])
def test_a_write_failure_stops_the_run_with_one_error_and_the_next_run_completes_it(tmp_path: Path, fault: str):
    count = 30
    with FaultyServer(full_disk_site(count)) as server:
        server.routes["/sitemap.xml"] = page("<urlset>" + "".join(
            f"<url><loc>{server.base_url}{path}</loc></url>" for path in server.routes if path != "/robots.txt")
                                             + "</urlset>", "application/xml")
        if fault == "full disk":  # the store's write-ahead log reaches the limit first
            failed = crawl_with_file_size_limit(server, tmp_path, 60_000)
        else:  # /dev/full: every write fails with ENOSPC, as on a full disk
            failed = crawl_with_file_size_limit(server, tmp_path, None, "-s", "QUARANTINE_FILE=/dev/full")
        assert failed.returncode == 1, failed.stderr[-3000:]
        errors = [line for line in failed.stderr.splitlines() if "] ERROR: " in line]
        assert len(errors) == 1 and "Stopping: " in errors[0] and "cannot" in errors[0], errors
        assert "Traceback" not in failed.stderr
        assert ("disk I/O error" if fault == "full disk" else "No space left on device") in errors[0]
        summary = SUMMARY_LINE.search(failed.stderr)
        assert summary and int(summary.group(2)) < count, "the run went on after the failure"

        again = crawl_with_file_size_limit(server, tmp_path, None)
    assert again.returncode == 0, again.stderr[-3000:]
    records = read_jsonl(tmp_path / "feed.jsonl")
    assert sorted(path(r["url"]) for r in records) == sorted(f"/report-number-{i}/" for i in range(1, count + 1))
    quarantined = {path(entry["url"]) for entry in read_jsonl(tmp_path / "quarantine" / "feed.jsonl")}
    assert quarantined == {"/bad-page-for-quarantine/"}


def test_a_feed_write_that_fails_stops_the_run_and_later_writes_are_refused(tmp_path: Path):
    guard = OutputGuard(SimpleNamespace(stats=SimpleStats()))
    with SyncedFile("/dev/full", "ab", guard) as handle:
        handle.write(b'{"id": "1"}\n')
        assert guard.failure and "No space left on device" in guard.failure
        assert handle.write(b'{"id": "2"}\n') == 0
    assert OutputGuard.failures[-1] == guard.failure


@pytest.mark.parametrize("where", ["an output folder that cannot be written", "a store that cannot be opened"])
def test_output_that_cannot_be_opened_stops_the_crawl_at_once(tmp_path: Path, where: str):
    # /proc refuses new files to every user, root included, as a read-only folder does.
    feed = "/proc/conflict-feeds-test/feed.jsonl" if "folder" in where else str(tmp_path / "feed.jsonl")
    store = str(tmp_path / "state.sqlite") if "folder" in where else "/dev/full/state.sqlite"
    result = run_scrapy("crawl", OUTLET, "-a", "start_url=http://127.0.0.1:9/feed/", "-O", feed,
                        "-s", f"DEDUP_STORE={store}", *FAST)
    assert result.returncode == 1, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if "] ERROR: " in line]
    assert len(errors) == 1 and "Stopping: cannot open the crawl's output or state" in errors[0], errors
    assert "Traceback" not in result.stderr
