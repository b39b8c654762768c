"""Scrapy settings of the conflict-feeds project. Every value can be overridden with ``-s NAME=VALUE``."""

BOT_NAME = "conflict_feeds"

# Spiders are made from the outlets that plugins register (plugins/outlets/, or any installed package
# under the "conflict_feeds" entry-point group), so there is no spider module to list here.
SPIDER_LOADER_CLASS = "crawler.spiderloader.OutletSpiderLoader"
SPIDER_MODULES: list[str] = []
COMMANDS_MODULE = "crawler.commands"

ITEM_PIPELINES = {"crawler.pipelines.HookChainPipeline": 300}

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

# No article page is this large; larger responses are abandoned (and logged) rather than parsed.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5

# Items dropped as duplicates are routine; quarantines are logged by the chain as warnings.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
LOG_LEVEL = "INFO"
