"""Scrapy settings of the conflict-feeds project. Every value can be overridden with ``-s NAME=VALUE``."""

BOT_NAME = "conflict_feeds"

# Spiders are made from the outlets that plugins register (plugins/outlets/, or any installed package
# under the "conflict_feeds" entry-point group), so there is no spider module to list here.
SPIDER_LOADER_CLASS = "crawler.spiderloader.OutletSpiderLoader"
SPIDER_MODULES: list[str] = []
COMMANDS_MODULE = "crawler.commands"

ITEM_PIPELINES = {"crawler.pipelines.HookChainPipeline": 300}
# Above RedirectMiddleware (600), so that a redirect is judged before it is followed. The crawler.queue ones
# act only with a CRAWL_QUEUE: outermost, to see final failures; innermost, to take the site's turn last.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 650,
    "crawler.queue.FailedListingMiddleware": 10,
    "crawler.queue.SharedPolitenessMiddleware": 950,
}
SPIDER_MIDDLEWARES = {"crawler.queue.ListingDoneMiddleware": 10}
# Local feeds are written an item at a time and synced, so a killed crawl leaves no half-written record
# (crawler/feeds.py); a JOBDIR job can be resumed after a kill, not only after a clean stop (crawler/extensions.py).
FEED_STORAGES = {"": "crawler.feeds.DurableFileFeedStorage", "file": "crawler.feeds.DurableFileFeedStorage"}
DUPEFILTER_CLASS = "crawler.extensions.JobDupeFilter"

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
# Quarantine file; empty means "<feed>.quarantine.jsonl" beside the first local feed.
QUARANTINE_FILE = ""
# Plugin names (as listed by `scrapy plugins`) to leave out of the chain.
PLUGINS_DISABLED: list[str] = []

# Group-name registry; empty means the bundled plugins/groups.yaml.
GROUPS_REGISTRY = ""

# Deduplication store, shared by every outlet's crawl and kept across runs.
DEDUP_STORE = "output/state.sqlite"

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
