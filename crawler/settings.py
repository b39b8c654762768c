"""Scrapy settings of the conflict-feeds project. Every value can be overridden with ``-s NAME=VALUE``."""

import os

BOT_NAME = "conflict_feeds"

# Spiders are made from the outlets that plugins register (plugins/outlets/, or any installed package
# under the "conflict_feeds" entry-point group), so there is no spider module to list here.
SPIDER_LOADER_CLASS = "crawler.spiderloader.OutletSpiderLoader"
SPIDER_MODULES: list[str] = []
COMMANDS_MODULE = "crawler.commands"

# `scrapy check`: each outlet's cases as spider contracts (crawler/contracts.py).
SPIDER_CONTRACTS = {"crawler.contracts.CaseContract": 10}
ITEM_PIPELINES = {"crawler.pipelines.HookChainPipeline": 300}
# Worker processes that run the chain's pure stages (extract, clean, normalise) off the reactor
# (crawler/workers.py); 0: the whole chain runs in the crawl's own process. `scrapy process -j N` sets it.
# Two: measured on the 2-core machine (400 generated SouthFront pages, 16 requests at a time, a busy
# machine), the crawl's own process used 10.3 s of CPU with the chain in it and 6.8 s with two workers
# (start-up of about 3 s included in both), the workers 5.3 s: the reactor thread's work per page about
# halves, for a fifth more CPU in all. The crawl's process stays the bottleneck (Scrapy's own work, the
# store, the feed), so more workers would only add memory; a one-core machine gains nothing from them.
CHAIN_PROCESSES = 2 if (os.cpu_count() or 1) > 1 else 0
# Above RedirectMiddleware (600), so that a redirect is judged before it is followed.
# WarcWriterMiddleware (active with WARC_DIR) next to the downloader, to keep the bytes as they arrived;
# WaybackPolitenessMiddleware above RetryMiddleware (550), so that it, not an immediate retry, answers a 429,
# and above RedirectMiddleware (600), so that it sees every answer of the archive. The crawler.queue ones act
# only with a CRAWL_QUEUE: outermost, to see final failures; innermost, to take the site's turn last.
DOWNLOADER_MIDDLEWARES = {
    "crawler.queue.FailedListingMiddleware": 10,
    "crawler.wayback.WaybackPolitenessMiddleware": 620,
    "crawler.middlewares.AddressGuardMiddleware": 650,
    "crawler.warc.WarcWriterMiddleware": 950,
    "crawler.queue.SharedPolitenessMiddleware": 960,
}
SPIDER_MIDDLEWARES = {"crawler.queue.ListingDoneMiddleware": 10}
# Local feeds are written an item at a time and synced, so a killed crawl leaves no half-written record
# (crawler/feeds.py); a JOBDIR job can be resumed after a kill, not only after a clean stop (crawler/extensions.py).
FEED_STORAGES = {"": "crawler.feeds.DurableFileFeedStorage", "file": "crawler.feeds.DurableFileFeedStorage"}
DUPEFILTER_CLASS = "crawler.extensions.JobDupeFilter"
# A crawl's memory stays flat however large the site: each of the scheduler's queues keeps this many
# requests in memory and the rest in an anonymous temporary file, in Scrapy's order (crawler/squeues.py);
# 0 keeps them all in memory. With a JOBDIR, Scrapy's disk queue takes them first, as always.
SCHEDULER_MEMORY_QUEUE = "crawler.squeues.LifoSpillingQueue"
SCHEDULER_SPILL_AFTER = 1000

# One outlet crawled by several workers (README, "Several machines"): a redis:// URL puts the request queue
# and the seen requests there (crawler/queue.py); empty means Scrapy's own scheduler in this process.
SCHEDULER = "crawler.queue.SharedScheduler"
CRAWL_QUEUE = ""
# Seconds a worker holds a request it took before others may take it again (renewed while it lives).
CRAWL_QUEUE_LEASE = 60
# The worker's name in its leases; empty means <host name>-<process id>.
CRAWL_QUEUE_WORKER = ""

# The feed a crawl writes when no -o/-O/FEEDS names one: `scrapy crawl sputnik` appends to
# output/sputnik.jsonl. (Not FEEDS itself: Scrapy would write it in addition to any -o/-O file.)
# Appending is safe because deduplication exports each story version once, across runs.
DEFAULT_FEED = "output/%(name)s.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
# `-O feed.csv` writes lists and objects (groups, authors, images, ...) as JSON cells, not Python's repr.
FEED_EXPORTERS = {"csv": "crawler.exporters.JsonValuesCsvItemExporter"}
# Quarantine file; empty means quarantine/<feed name> in the feed's folder: output/quarantine/<outlet>.jsonl.
QUARANTINE_FILE = ""
# Plugin names (as listed by `scrapy plugins`) to leave out of the chain.
PLUGINS_DISABLED: list[str] = []

# Group-name registry; empty means the bundled plugins/groups.yaml.
GROUPS_REGISTRY = ""

# Deduplication store, shared by every outlet's appending crawl and kept across runs (a -O run gets a fresh
# one of its own: see crawler/pipelines.py).
DEDUP_STORE = "output/state/dedup.sqlite"

# Directory for WARC files of every response the crawl fetches (empty: none are written), and the size
# at which a file is closed and the next one begun (1 GB, the size archives commonly use).
WARC_DIR = ""
WARC_MAX_SIZE = 1_000_000_000

# The Wayback Machine, for `-a archive=wayback` (CDX index at /cdx/search/cdx, snapshots at /web/...).
WAYBACK_URL = "https://web.archive.org"
# Its published limits are 30 CDX searches and 600 snapshots a minute per client; keep to 80% of them.
WAYBACK_CDX_PER_MINUTE = 24
WAYBACK_SNAPSHOTS_PER_MINUTE = 480
# Requests on their way to the archive at once, whatever outlet domain they are about.
WAYBACK_CONCURRENCY = 2
# Captures per CDX answer (the next page is asked for with the index's resume key).
WAYBACK_CDX_PAGE_SIZE = 5000
# After a 429 or 503 without Retry-After: send the archive nothing for this many seconds, doubled at
# each refusal in a row; a request refused more than WAYBACK_MAX_BACKOFFS times is given up (quarantined).
WAYBACK_BACKOFF = 60.0
WAYBACK_MAX_BACKOFFS = 6

# Politeness for small news sites: obey robots.txt, adapt the pace to the server, few parallel requests.
ROBOTSTXT_OBEY = True
USER_AGENT = "conflict-feeds/0.1 (research crawler of news reports; set USER_AGENT to add your contact)"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5

# No article page is this large; larger responses are abandoned (and logged) rather than parsed, and an
# article's is quarantined with the reason. Gzipped sitemaps are unzipped up to the same size.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# A server that does not answer in time, or answers 5xx/408/429 (RETRY_HTTP_CODES), or drops the connection,
# is asked RETRY_TIMES more times; then an article is quarantined with the reason.
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# Redirect chains and sitemap indexes that lead on forever (traps) end here: a news article is a few
# redirects and a few listing levels away from an entry point.
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 20

# Items dropped as duplicates are routine; quarantines are logged by the chain as warnings.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
LOG_LEVEL = "INFO"
# At INFO a crawl logs what happened in a few lines (crawler/commands/crawl.py); True adds Scrapy's lists of
# components, overridden settings and stats dump, as in any Scrapy project (-L DEBUG shows them too).
LOG_DETAILS = False

# A research crawler needs no live console: without these, every crawl would open a telnet console and a
# remote-control server on local ports.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
