"""Scrapy settings of newsroom_scraper.

Polite by default towards live sites (robots.txt, AutoThrottle, a delay, two requests at a time
per site, a User-Agent that names the project and a contact); a crawl of a mirror on this
machine lifts the politeness (see ``NewsroomSpider.from_crawler``). Every value can be
overridden with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

from newsroom_scraper import __version__
from newsroom_scraper.items import FIELD_ORDER

BOT_NAME = "newsroom_scraper"
SPIDER_MODULES = ["newsroom_scraper.spiders"]
NEWSPIDER_MODULE = "newsroom_scraper.spiders"
#: ``scrapy crawl`` exits non-zero as ``newsroom-scraper crawl`` does (newsroom_scraper/commands).
COMMANDS_MODULE = "newsroom_scraper.commands"

#: Who to contact about this crawler: set NEWSROOM_CONTACT (an e-mail address or a URL).
NEWSROOM_CONTACT = os.environ.get(
    "NEWSROOM_CONTACT", "https://github.com/newsroom-scraper/newsroom_scraper"
)
USER_AGENT = f"newsroom_scraper/{__version__} (+{NEWSROOM_CONTACT})"

# -- politeness ---------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
#: Scrapy starts this many asyncio tasks for every callback's output (default 100), to run item
#: pipelines in parallel. Ours never wait (no pipeline awaits I/O), so a second task only costs:
#: 100 tasks a page cost more CPU than the extraction itself, and 8 still 0.28 M instructions a
#: page of the navigation.previous chain (BENCHMARKS.md). An async pipeline would want more.
CONCURRENT_ITEMS = 1

# -- robustness ---------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
#: Back-off before retry N: NEWSROOM_BACKOFF_BASE * 2**N seconds with jitter, at most _MAX.
NEWSROOM_BACKOFF_BASE = 0.5
NEWSROOM_BACKOFF_MAX = 30.0
#: Longest Retry-After (429/503) honoured, in seconds; longer asks are cut to this.
NEWSROOM_RETRY_AFTER_MAX = 120.0
#: After a Retry-After, the host's download delay relaxes back towards DOWNLOAD_DELAY by this
#: factor per successful response (0.8: a 60 s slowdown is under 1 s after about 20 responses).
NEWSROOM_SLOWDOWN_DECAY = 0.8
REDIRECT_MAX_TIMES = 5
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

# -- hardening ----------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
#: Scrapy 2.19's remote-control server (it runs Python sent to it with a token): never wanted.
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = False

# -- development --------------------------------------------------------------------------------
#: Opt-in: ``-s HTTPCACHE_ENABLED=1`` keeps every response under .scrapy/httpcache.
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0

# -- components ---------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Retries wait (back-off, Retry-After) instead of hammering a struggling server.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsroom_scraper.retry.BackoffRetryMiddleware": 550,
    # Just before Scrapy's redirects (600) on the way back: a redirect loop is an error, and a
    # redirect to a page already requested is counted, not dropped without a word.
    "newsroom_scraper.middlewares.RedirectCheckMiddleware": 610,
    "newsroom_scraper.middlewares.PageArchiveMiddleware": 845,
}
#: ``--base-url``: requests for a newsroom's public hosts go to its mirror, on the wire only
#: (``handlers.BaseUrlDownloadHandler``); everything else is Scrapy's HTTP/1.1 handler.
DOWNLOAD_HANDLERS = {
    "http": "newsroom_scraper.handlers.BaseUrlDownloadHandler",
    "https": "newsroom_scraper.handlers.BaseUrlDownloadHandler",
}
SPIDER_MIDDLEWARES = {
    # Outermost: sees exceptions from callbacks and from every middleware below it.
    "newsroom_scraper.middlewares.CallbackErrorMiddleware": 25,
    "newsroom_scraper.state.incremental.IncrementalMiddleware": 800,
}
ITEM_PIPELINES = {
    "newsroom_scraper.pipelines.ValidationPipeline": 100,
    "newsroom_scraper.pipelines.DeduplicationPipeline": 200,
    "newsroom_scraper.state.pipeline.DatasetPipeline": 300,
    "newsroom_scraper.pipelines.JsonLinesPipeline": 310,
}
EXTENSIONS = {
    "newsroom_scraper.report.RunReport": 0,
}
#: Components whose switch is off (COOKIES_ENABLED, REMOTE_CONTROL_ENABLED,
#: TELNETCONSOLE_ENABLED above) are left out of the lists, not imported to refuse: 0.2 s of start.
ADDONS = {
    "newsroom_scraper.addons.SwitchedOffComponents": 0,
}

#: The data directory of the incremental dataset (``<site>.jsonl``, ``state.sqlite3``, ``runs/``);
#: the CLI sets it. Unset (plain ``scrapy crawl``): no state, no dataset.
NEWSROOM_DATA_DIR = None
#: Known articles fetched again on every run, to catch edits.
NEWSROOM_LOOKBACK = 20
#: Fetch every article again (a complete pass).
NEWSROOM_FULL = False
#: Name of this run's files under ``runs/<site>/`` (default: the UTC start time).
NEWSROOM_RUN_ID = None
#: Keep the responses of article pages (gzip) under ``pages/<site>/`` for ``extract``.
NEWSROOM_KEEP_PAGES = False
#: One-shot export: where JsonLinesPipeline writes (newest first, replaced atomically) and no
#: state is touched. Unset: it writes nothing, and ``-O file.jsonl`` works as usual.
NEWSROOM_OUTPUT = None
#: How many errors a run may have and still exit 0.
NEWSROOM_ERROR_THRESHOLD = 0
#: A newsroom that changes shape (see newsroom_scraper.state.shape): a field carried by at least
#: NEWSROOM_SHAPE_CARRIED_BY of the dataset's articles and missing from at least
#: NEWSROOM_SHAPE_MISSING_FROM of this run's items gives exit code 5; no verdict when the run or
#: the dataset has fewer than NEWSROOM_SHAPE_MIN_ITEMS. Shares are fractions (0.9 = 90 %).
NEWSROOM_SHAPE_CARRIED_BY = 0.9
NEWSROOM_SHAPE_MISSING_FROM = 0.5
NEWSROOM_SHAPE_MIN_ITEMS = 5
#: Write changed articles whose new version lost fields (else the stored version is kept), and
#: compare later runs with the articles written from this run on (``--accept-shape-change``).
NEWSROOM_ACCEPT_SHAPE_CHANGE = False
#: Progress line on stderr: "auto" (when stderr is a terminal), "on" or "off".
NEWSROOM_PROGRESS = "auto"
#: A file to write the crawl's final Scrapy stats to, as JSON (the run report holds the
#: summary; this is every counter): for scripts and benchmarks that start crawl processes.
NEWSROOM_STATS_FILE = None

# -- distributed crawls (`crawl --redis URL`, see docs/distributed.md) -----------------------------
#: ``redis://host:6379/0``: the state and the items live in Redis. With
#: ``SCHEDULER = "newsroom_scraper.distributed.RedisScheduler"`` too, worker processes share one
#: request queue and seen-set there (what ``crawl --redis`` sets). Unset: SQLite in the data dir.
REDIS_URL = None
#: This worker's name (default ``<host>-<pid>``). A restarted worker given its old name takes
#: back at once the requests it had not finished; names must be unique among running workers.
NEWSROOM_WORKER = None
#: A worker exits once nothing has been queued or in flight, in any worker, for this long (s).
NEWSROOM_IDLE_EXIT = 10.0
#: Seconds between a worker's heartbeats (in-flight bookkeeping, counters, dead workers); a
#: worker with free slots also looks at the shared queue this often.
NEWSROOM_HEARTBEAT = 1.0
#: A worker silent for this long (s) is dead: its unfinished requests are queued again.
NEWSROOM_WORKER_TTL = 30.0
#: First part of every Redis key: ``<prefix>:<site>:...``.
NEWSROOM_REDIS_PREFIX = "newsroom"

FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(FIELD_ORDER)

#: Scrapy's in-memory stats without Scrapy 2.19's per-access deprecation shim (5 us a counter).
STATS_CLASS = "newsroom_scraper.statscollectors.NewsroomStatsCollector"

LOG_LEVEL = "INFO"
#: Scrapy's messages, without building the DEBUG line of every page and item when nothing shows
#: DEBUG (about 0.1 ms a page).
LOG_FORMATTER = "newsroom_scraper.logformatter.NewsroomLogFormatter"
#: Scrapy parses the source of every callback to warn about generators returning values; its
#: cache misses on bound methods, so it re-parses on every response (about 0.5 ms each). ruff
#: and the tests cover what that warning would catch.
WARN_ON_GENERATOR_RETURN_VALUE = False
