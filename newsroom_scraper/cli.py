"""``newsroom-scraper``: the command line researchers and scheduled jobs use.

Commands: ``crawl SITE``, ``export --redis URL --site SITE``, ``export --site SITE --format F
--out FILE``, ``stats SITE [--json | --html FILE]``, ``extract --site SITE FILE...``,
``serve-demo SITE``, ``sites``, ``schema``.
Exit codes are listed in :data:`newsroom_scraper.report.EXIT_CODES_DOC` and in README.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsroom_scraper import __version__
from newsroom_scraper.report import (
    EXIT_CODES_DOC,
    EXIT_ERRORS,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_READER_CLOSED,
    EXIT_SIGINT,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    EXIT_WRITE_FAILED,
    WriteFailure,
    describe_failure,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.settings import Settings

    from newsroom_scraper.spiders.base import NewsroomSpider
    from newsroom_scraper.state.redis_store import RedisStateStore

DATA_DIR_ENV = "NEWSROOM_DATA_DIR"
DEFAULT_DATA_DIR = "data"
#: ``serve-demo``'s port, the one of README's plain-Scrapy recipe.
DEMO_PORT = 8080


class CliError(Exception):
    """An error the user can fix; printed as one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def discovery_help() -> str:
    """``--discovery``'s help: each registered site's modes (``auto`` is every site's default)."""
    from newsroom_scraper.spiders import registered_sites

    modes = "; ".join(
        f"{name}: {', '.join(spidercls.discovery_modes)}"
        for name, spidercls in registered_sites().items()
    )
    return f"how the site's articles are found, auto by default ({modes})"


#: What ``export --site`` and ``stats DATASET`` accept (see :func:`dataset_of`).
DATASET_HELP = (
    "a newsroom, as listed by `newsroom-scraper sites`; a generic crawl's generic-<host>; or the "
    "newsroom URL it was crawled from"
)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"data directory (default: ${DATA_DIR_ENV}, else ./{DEFAULT_DATA_DIR})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsroom-scraper",
        description="Crawl the newsrooms of public institutions into JSON Lines datasets.",
        epilog="exit codes: " + "; ".join(f"{c} {d}" for c, d in sorted(EXIT_CODES_DOC.items())),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = commands.add_parser("crawl", help="crawl a newsroom into a JSON Lines dataset")
    crawl.add_argument(
        "site",
        help="a newsroom, as listed by `newsroom-scraper sites`, or the URL of any newsroom's "
        "listing page (the generic site, dataset generic-<host>; `crawl generic --demo` is its "
        "offline sample, dataset generic)",
    )
    crawl.add_argument(
        "--out", type=Path, help="write exactly this run's items to FILE (-: standard output)"
    )
    _add_data_dir(crawl)
    crawl.add_argument("--since", help="oldest publication date wanted, YYYY-MM-DD (UTC)")
    crawl.add_argument("--until", help="newest publication date wanted, YYYY-MM-DD (UTC)")
    crawl.add_argument("--limit", help="only the newest N articles")
    crawl.add_argument("--base-url", help="crawl a mirror at this origin (scheme://host:port)")
    crawl.add_argument("--discovery", metavar="MODE", help=discovery_help())
    crawl.add_argument(
        "--lookback",
        type=int,
        metavar="N",
        help="known articles fetched again to catch edits (default 20)",
    )
    crawl.add_argument("--full", action="store_true", help="fetch every article again")
    crawl.add_argument(
        "--accept-shape-change",
        action="store_true",
        help="write new versions that lost fields, and take the new shape as the norm (after "
        "exit code 5, once the loss is known to be real)",
    )
    crawl.add_argument(
        "--keep-pages",
        action="store_true",
        help="keep the article pages (gzip) under <data dir>/pages/ for `extract`",
    )
    crawl.add_argument(
        "--demo",
        action="store_true",
        help="crawl the offline sample shipped with the package (served on 127.0.0.1) into "
        "<data dir>/demo/ (not with --base-url)",
    )
    crawl.add_argument(
        "-a", dest="spider_args", action="append", type=_pair, default=[], metavar="NAME=VALUE",
        help="spider argument (repeatable)",
    )  # fmt: skip
    crawl.add_argument(
        "-s", dest="settings", action="append", type=_pair, default=[], metavar="NAME=VALUE",
        help="Scrapy setting (repeatable), as with `scrapy crawl -s`",
    )  # fmt: skip
    crawl.add_argument(
        "--redis",
        metavar="URL",
        help="a worker of a crawl shared through Redis (redis://host:6379/0): see "
        "docs/distributed.md; `export` writes the dataset",
    )
    crawl.add_argument(
        "--worker",
        metavar="NAME",
        help="with --redis: this worker's name (default <host>-<pid>); restarted under its old "
        "name, a worker takes back at once the requests it had not finished",
    )
    crawl.add_argument("--log-file", help="write the log to this file")
    crawl.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        help="log level (default: INFO with --log-file, else WARNING)",
    )

    extract = commands.add_parser(
        "extract", help="re-extract saved pages offline, one JSON item per file on stdout"
    )
    extract.add_argument(
        "--site",
        required=True,
        help="the newsroom the pages come from, as listed by `newsroom-scraper sites` (generic: "
        "any other)",
    )
    extract.add_argument(
        "--url",
        help="the public URL of pages that do not name their own: a URL the page gives (its "
        "canonical link, og:url, JSON-LD, or the site's own data such as Europol's embedded "
        "JSON) wins over it; an http(s) URL",
    )
    extract.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="a saved page: the site's HTML or JSON as downloaded, or a .gz kept by "
        "`crawl --keep-pages` (its URL and hints are read from the index.jsonl beside it)",
    )

    export = commands.add_parser(
        "export",
        help="export a dataset as Parquet, CSV or JSON Lines (--format, --out); with --redis, "
        "write <data dir>/<site>.jsonl from the Redis of a distributed crawl",
    )
    export.add_argument(
        "--redis",
        metavar="URL",
        help="write <data dir>/<site>.jsonl from this Redis (redis://host:6379/0) instead",
    )
    export.add_argument(
        "--site",
        required=True,
        help="the dataset: " + DATASET_HELP,
    )
    _add_data_dir(export)
    export.add_argument(
        "--format",
        choices=["parquet", "csv", "jsonl"],
        help="parquet: typed columns (needs the analysis extra); csv: one row per article, for "
        "spreadsheets; jsonl: the dataset as it stands",
    )
    export.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="the file to write (-: standard output, for csv and jsonl)",
    )

    stats = commands.add_parser(
        "stats", help="what a dataset holds: a summary, --json, or an HTML report with charts"
    )
    stats.add_argument(
        "site",
        metavar="DATASET",
        help="a dataset: " + DATASET_HELP,
    )
    _add_data_dir(stats)
    stats_output = stats.add_mutually_exclusive_group()
    stats_output.add_argument("--json", action="store_true", help="print the summary as JSON")
    stats_output.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write a self-contained HTML report with charts (needs the analysis extra)",
    )

    serve = commands.add_parser(
        "serve-demo",
        help="serve a site's offline sample on 127.0.0.1 (for `crawl --base-url`, or "
        "`scrapy crawl SITE -a base_url=...` from the repository) until Ctrl-C",
    )
    serve.add_argument("site", help="a newsroom, as listed by `newsroom-scraper sites`")
    serve.add_argument(
        "--port", type=int, default=DEMO_PORT, help=f"port (default {DEMO_PORT}; 0: any free one)"
    )

    commands.add_parser("sites", help="list the newsrooms")
    commands.add_parser("schema", help="print the JSON Schema of an item")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = run_command(argv)
        sys.stdout.flush()  # a reader that stopped early shows here, not at the exit's flush
    except BrokenPipeError:
        return reader_closed()
    return code


def reader_closed() -> int:
    """The reader of standard output stopped early (``| head``): not an error of the command,
    no traceback, exit 141 (128 + SIGPIPE, what a shell reports for ``yes | head``). Python's
    recipe (signal module docs, "Note on SIGPIPE"): point standard output at /dev/null, so that
    the interpreter's last flush at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_READER_CLOSED


def run_command(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "crawl": run_crawl,
        "export": run_export,
        "stats": run_stats,
        "extract": run_extract,
        "serve-demo": run_serve_demo,
        "sites": run_sites,
        "schema": run_schema,
    }
    try:
        return handlers[args.command](args)
    except CliError as exc:
        print(f"newsroom-scraper: error: {exc}", file=sys.stderr)
        return exc.code


# -- sites, schema --------------------------------------------------------------------------------


def site_class(name: str) -> type[NewsroomSpider]:
    """The spider of a registered newsroom; only these names ever reach a file path."""
    from newsroom_scraper.spiders import registered_sites

    sites = registered_sites()
    if name not in sites:
        raise CliError(f"unknown site {name!r}; known sites: {', '.join(sites)}")
    return sites[name]


def is_newsroom_url(text: str) -> bool:
    """A newsroom's URL (``crawl URL``: the generic site) rather than a site's name."""
    return urlsplit(text).scheme in {"http", "https"}


def dataset_of(name: str) -> str:
    """The dataset ``stats`` and ``export`` read: a registered site's; a generic crawl's
    ``generic-<host>``; or the newsroom URL that crawl started from (the same name ``crawl``
    gives it). A ``generic-<host>`` name is accepted only if it is what the generic site's
    ``dataset_name`` makes of that host: letters, digits, dots and dashes, never a path."""
    from scrapy.exceptions import UsageError

    from newsroom_scraper.spiders import registered_sites

    sites = registered_sites()
    if name in sites:
        return sites[name].dataset_name({})
    generic = sites.get("generic")
    if generic is not None and (is_newsroom_url(name) or name.startswith("generic-")):
        url = name if is_newsroom_url(name) else f"https://{name.removeprefix('generic-')}/"
        try:
            dataset = generic.dataset_name({"start_url": url})
        except UsageError as exc:
            if is_newsroom_url(name):
                raise CliError(str(exc)) from None
        else:
            if is_newsroom_url(name) or dataset == name:
                return dataset
    raise CliError(
        f"unknown site or dataset {name!r}; known sites: {', '.join(sites)}; a generic "
        "crawl's dataset is generic-<host> (or give the newsroom URL it was crawled from)"
    )


def run_sites(args: argparse.Namespace) -> int:
    from newsroom_scraper.spiders import registered_sites

    for name, spidercls in registered_sites().items():
        print(f"{name}\t{spidercls.description}")
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    from newsroom_scraper.pipelines import item_schema

    print(json.dumps(item_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


# -- crawl ----------------------------------------------------------------------------------------


def data_dir(option: Path | None) -> Path:
    """``--data-dir``, else ``$NEWSROOM_DATA_DIR``, else ``./data``."""
    return option or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def project_settings(overrides: list[tuple[str, str]]) -> Settings:
    """The project's settings wherever the command runs, with ``-s`` at command-line priority."""
    from scrapy.settings import Settings

    from newsroom_scraper import settings as project_module

    settings = Settings()
    settings.setmodule(project_module, priority="project")
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    return settings


def spider_arguments(args: argparse.Namespace) -> dict[str, str]:
    """``-a`` pairs, then the dedicated options (which win)."""
    arguments = dict(args.spider_args)
    for option in ("since", "until", "limit", "base_url", "discovery"):
        value = getattr(args, option)
        if value is not None:
            arguments[option] = value
    return arguments


def demo_folder(site: str) -> Path:
    from importlib import resources

    folder = Path(str(resources.files("newsroom_scraper").joinpath("demo", site)))
    if not (folder / "manifest.json").is_file():
        raise CliError(f"no offline demo sample for {site!r}")
    return folder


@dataclass
class CrawlPlan:
    """Everything a crawl run was asked for, resolved from the command line."""

    spidercls: type[NewsroomSpider]
    settings: Settings
    arguments: dict[str, str]
    output: Path
    data_dir: Path | None  # None: one-shot export (--out), no state and no lock
    run_id: str
    demo: bool
    redis: str | None = None  # a worker of a distributed crawl: no lock, no dataset
    dataset: str = ""  # the dataset's name (the site's, or generic-<host>)


#: Stands for the demo server's origin when a ``--demo`` crawl's arguments are checked.
DEMO_CHECK_ORIGIN = "http://127.0.0.1:1"


def check_crawl_options(args: argparse.Namespace) -> None:
    """Options that cannot work together, refused before anything starts."""
    if args.keep_pages and args.out is not None:
        raise CliError(
            "--keep-pages keeps pages under the data directory, which --out does not use: "
            "crawl without --out (the dataset and the run file hold the items)"
        )
    if args.lookback is not None and args.lookback < 0:
        raise CliError(f"--lookback {args.lookback}: expected a whole number >= 0")


def plan_crawl(args: argparse.Namespace) -> CrawlPlan:
    """Resolve options into settings and spider arguments; :class:`CliError` on bad ones."""
    from scrapy.exceptions import UsageError

    arguments = spider_arguments(args)
    if args.demo and arguments.get("base_url"):
        raise CliError(
            "--demo crawls the offline sample on a server of its own: drop --base-url "
            "(or drop --demo to crawl the mirror at that URL)"
        )
    if is_newsroom_url(args.site):  # any newsroom: the generic site
        spidercls = site_class("generic")
        arguments["start_url"] = args.site
    else:
        spidercls = site_class(args.site)
    # --demo gives the spider its base URL once its server runs: checked as a crawl of a mirror.
    checked = {"base_url": DEMO_CHECK_ORIGIN, **arguments} if args.demo else arguments
    try:
        spidercls.check_arguments(**checked)
        dataset = spidercls.dataset_name(arguments)  # derived, sanitised: safe in a path
    except (UsageError, TypeError) as exc:
        raise CliError(str(exc)) from None
    check_crawl_options(args)
    settings = project_settings(args.settings)
    settings.set("LOG_LEVEL", args.log_level or ("INFO" if args.log_file else "WARNING"), "cmdline")
    if args.log_file:
        check_log_file(Path(args.log_file))
        settings.set("LOG_FILE", args.log_file, priority="cmdline")
    # Without a log file the log is on the console, above the summary: the summary names a
    # failed write, the log need not say it a second time.
    settings.set("NEWSROOM_SUMMARY_ON_CONSOLE", not args.log_file, priority="cmdline")
    folder = data_dir(args.data_dir) / ("demo" if args.demo else "")
    # Before any request (and before --demo starts its server): paths that cannot be written.
    if args.out is None:
        check_directory(folder, f"cannot use the data directory {folder}")
    elif str(args.out) != STDOUT:
        check_output_file(args.out)
    from newsroom_scraper.state.runs import new_run_id

    run_id = new_run_id()
    if args.redis:
        run_id = plan_worker(args, arguments, settings, run_id)
    elif args.worker:
        raise CliError("--worker names a worker of a distributed crawl: it needs --redis")
    options = {
        "NEWSROOM_LOOKBACK": args.lookback,
        "NEWSROOM_FULL": args.full or None,
        "NEWSROOM_ACCEPT_SHAPE_CHANGE": args.accept_shape_change or None,
        "NEWSROOM_KEEP_PAGES": args.keep_pages or None,
        "NEWSROOM_OUTPUT": str(args.out) if args.out else None,
        "NEWSROOM_DATA_DIR": None if args.out else str(folder),
        "NEWSROOM_RUN_ID": run_id,
    }
    for name, value in options.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    output = args.out or folder / f"{dataset}.jsonl"
    if args.redis:
        from newsroom_scraper.state.runs import run_files

        output = run_files(folder, dataset, run_id)[0]
    return CrawlPlan(
        spidercls=spidercls,
        settings=settings,
        arguments=arguments,
        output=output,
        data_dir=None if args.out else folder,
        run_id=run_id,
        demo=args.demo,
        redis=args.redis,
        dataset=dataset,
    )


STDOUT = "-"  # --out -: the items go to standard output


def check_directory(folder: Path, what: str) -> None:
    """Create ``folder`` if needed and write (then remove) a file in it; :class:`CliError` (exit 2)
    saying ``what``, with the OS error, when it cannot be done: a read-only file system, a path
    under /proc, a parent that is a regular file, an immutable directory. Trying is the only
    reliable test (``os.access`` knows no read-only mount or immutable flag, and root passes it)."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".newsroom-probe-", dir=folder)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise CliError(f"{what}: {describe_failure(exc)}") from None


def check_output_file(out: Path) -> None:
    """``--out FILE``: not a directory, in a directory this run can write to."""
    if out.is_dir():
        error = IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        raise CliError(f"cannot write --out {out}: {describe_failure(error)}")
    check_directory(out.parent, f"cannot write --out {out}")


def check_log_file(path: Path) -> None:
    try:
        if path.parent.exists() and not path.parent.is_dir():  # mkdir would say "File exists"
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise CliError(f"cannot write --log-file {path}: {describe_failure(exc)}") from None


def plan_worker(
    args: argparse.Namespace, arguments: dict[str, str], settings: Settings, run_id: str
) -> str:
    """``--redis``: the settings of a distributed worker; returns its run id
    (``<UTC time>-<worker>``: each worker writes its own run files)."""
    if args.out:
        raise CliError("--out and --redis: with --redis, `newsroom-scraper export` writes the data")
    if arguments.get("limit") is not None:
        raise CliError("--limit and --redis: each worker would count its own newest N")
    try:
        from newsroom_scraper.distributed import worker_settings
    except ImportError as exc:
        raise CliError(
            f"--redis needs the distributed extra (pip install 'newsroom-scraper[distributed]'): "
            f"{exc}"
        ) from None
    from newsroom_scraper.state.runs import check_worker_name, default_worker_name

    try:
        worker = check_worker_name(args.worker or default_worker_name())
    except ValueError as exc:
        raise CliError(f"--worker: {exc}") from None
    open_redis_store(args.redis).close()  # fail now, in one line, if Redis is not there
    for name, value in worker_settings(args.redis, worker).items():
        settings.set(name, value, priority="cmdline")
    return f"{run_id}-{worker}"


def open_redis_store(url: str) -> RedisStateStore:
    """The Redis state of a distributed crawl; :class:`CliError` when Redis does not answer."""
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise CliError(f"--redis {url!r}: expected redis://host:port/db (or rediss://, unix://)")
    try:
        import redis

        from newsroom_scraper.state.redis_store import DEFAULT_PREFIX, RedisStateStore
    except ImportError as exc:
        raise CliError(
            f"--redis needs the distributed extra (pip install 'newsroom-scraper[distributed]'): "
            f"{exc}"
        ) from None
    from newsroom_scraper import settings as project_module

    store = RedisStateStore(url, getattr(project_module, "NEWSROOM_REDIS_PREFIX", DEFAULT_PREFIX))
    try:
        store.client.ping()
    except redis.RedisError as exc:
        store.close()
        raise CliError(f"cannot reach Redis at {url}: {exc}", code=EXIT_ERRORS) from None
    return store


def run_crawl(args: argparse.Namespace) -> int:
    from newsroom_scraper.state.lock import DataDirLock, DataDirLockedError

    plan = plan_crawl(args)
    if plan.data_dir is None or plan.redis:
        return crawl_plan(plan)  # no dataset written: no lock (workers of one crawl run together)
    lock = DataDirLock(plan.data_dir)
    try:
        lock.acquire()
    except DataDirLockedError as exc:
        raise CliError(str(exc), code=EXIT_LOCKED) from None
    except OSError as exc:
        raise CliError(f"cannot lock {lock.path}: {describe_failure(exc)}") from None
    try:
        return crawl_plan(plan)
    finally:
        lock.release()


def crawl_plan(plan: CrawlPlan) -> int:
    from newsroom_scraper.mirror import MirrorServer, MirrorSite
    from newsroom_scraper.state.runs import run_files

    site = plan.spidercls.name
    server = None
    if plan.demo:
        server = MirrorServer(MirrorSite.load(demo_folder(site))).start()
        plan.arguments["base_url"] = server.origin
        print(f"Demo: the offline sample of {site} is served at {server.origin}", file=sys.stderr)
    try:
        outcome = crawl_in_process(plan.spidercls, plan.settings, plan.arguments)
    finally:
        if server is not None:
            server.stop()
    code = exit_code(outcome)
    report_path: Path | None = None
    if plan.data_dir is not None and outcome.report is not None:
        report_path = run_files(plan.data_dir, plan.dataset or site, plan.run_id)[1]
        try:
            write_run_report(report_path, plan.dataset or site, plan.run_id, outcome, code)
        except OSError as exc:
            outcome.report.write_failures.append(
                WriteFailure(str(report_path), describe_failure(exc))
            )
            report_path = None
            code = EXIT_WRITE_FAILED
    finish(outcome, plan, code, report_path)
    if plan.redis:
        print(
            f"Items: in Redis; `newsroom-scraper export --redis URL --site {site}` writes the "
            "dataset once the workers are done",
            file=sys.stderr,
        )
    return code


def write_run_report(path: Path, site: str, run_id: str, outcome: CrawlOutcome, code: int) -> None:
    """``runs/<site>/<run id>.report.json``: what the run did, for people and monitoring."""
    from newsroom_scraper.state.files import atomic_write_lines

    report = outcome.report
    stats = report.stats.get_stats()
    summary = report.summary()
    document = {
        "site": site,
        "run_id": run_id,
        "exit_code": code,
        "exit_status": EXIT_CODES_DOC.get(code, "unknown"),
        "close_reason": summary["close_reason"],
        "interrupted_by_signal": outcome.signum,
        "forced_stop": outcome.forced,
        "duration_seconds": summary["duration_seconds"],
        "pages": summary["pages"],
        "requests": summary["requests"],
        "items": {**summary["dataset"], "dropped": summary["dropped"]},
        "dataset_articles": stats.get("dataset/articles"),
        "output": summary["output"],
        "write_failures": summary["write_failures"],
        "discovery": summary["discovery"],
        "lookback": stats.get("incremental/lookback"),
        "full": stats.get("incremental/full"),
        "resumed_unfinished_pass": stats.get("incremental/resuming_pass"),
        "stopped_early": stats.get("incremental/stopped_early"),
        "errors": {
            "by_kind": summary["errors"],
            "list": [record.as_dict() for record in report.errors],
        },
        **report.shape_document(),
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write_lines(path, [text.encode("utf-8")])


class CrawlOutcome:
    """What the CLI needs after the reactor stopped."""

    def __init__(
        self,
        report: Any,
        signum: int | None,
        forced: bool = False,
        failure: BaseException | None = None,
    ) -> None:
        self.report = report
        self.signum = signum
        self.forced = forced  # a second signal stopped the reactor: the spider never closed
        self.failure = failure  # the crawl could not start (or died): what was raised


def crawl_in_process(
    spidercls: type[NewsroomSpider], settings: Settings, arguments: dict[str, str]
) -> CrawlOutcome:
    """Run one crawl in this process. SIGINT or SIGTERM stops it gracefully (the requests in
    flight are finished, the spider closes with reason ``shutdown``, the dataset is written), a
    second one forces the reactor to stop; each says at once, on stderr, what it does. The
    signal is kept for the exit code (130/143)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

    from newsroom_scraper.report import RunReport

    received: list[int] = []
    forced: list[int] = []
    failures: list[BaseException] = []
    log = logging.getLogger(__name__)

    def say(text: str) -> None:
        # From a signal handler: one write(2) on the descriptor, never the buffered stream
        # (the handler may interrupt a write to it).
        with contextlib.suppress(OSError, ValueError):
            os.write(sys.stderr.fileno(), text.encode("utf-8", "replace"))

    def in_flight() -> int:
        # The downloader's public set of requests being downloaded (what Scrapy's own
        # engine status reports as len(engine.downloader.active)).
        downloader = getattr(crawler.engine, "downloader", None)
        return len(getattr(downloader, "active", ()))

    def again(signum: int) -> str:
        return "press Ctrl-C again" if signum == signal.SIGINT else "send it again"

    def force(signum: int, _frame: Any) -> None:
        install_shutdown_handlers(signal.SIG_IGN)
        forced.append(signum)
        say(
            f"{signal_names[signum]} again: stopping now; the requests in flight are dropped "
            "and nothing more is written\n"
        )
        message = "Received %s twice, forcing an unclean shutdown"
        reactor.callFromThread(log.info, message, signal_names[signum])
        reactor.callFromThread(stop_reactor)

    def graceful(signum: int, _frame: Any) -> None:
        # In a signal handler: record, re-arm, say what happens, hand the rest to the reactor.
        received.append(signum)
        install_shutdown_handlers(force)
        count = in_flight()
        say(
            f"{signal_names[signum]}: stopping; finishing {count} "
            f"request{'' if count == 1 else 's'} in flight, then writing what was crawled; "
            f"{again(signum)} to stop now\n"
        )
        message = "Received %s, shutting down gracefully. Send again to force"
        reactor.callFromThread(log.info, message, signal_names[signum])
        reactor.callFromThread(process.stop)  # then join() stops the reactor

    def stop_reactor() -> None:
        if reactor.running:
            reactor.stop()

    def failed(failure: Any) -> None:
        # Kept for the summary's one line (instead of Twisted's "Unhandled error in Deferred").
        failures.append(failure.value)
        log.debug("The crawl failed", exc_info=failure.value)

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spidercls)
    process.crawl(crawler, **arguments).addErrback(failed)
    from twisted.internet import reactor as installed  # the one the crawler installed

    reactor: Any = installed  # typed as its zope interfaces, whose methods have no self

    # Scrapy's own handlers do the same but do not tell which signal came; Twisted's (reactor
    # run with installSignalHandlers) are replaced by these once the reactor runs.
    reactor.callWhenRunning(install_shutdown_handlers, graceful)
    process.start(install_signal_handlers=False)
    # Scrapy 2.19 raises for extensions not made yet (the spider's from_crawler refused).
    report = RunReport.of(crawler) if crawler.settings.frozen else None
    return CrawlOutcome(
        report,
        received[0] if received else None,
        forced=bool(forced),
        failure=failures[0] if failures else None,
    )


#: OS errors that mean "this file system will not take the output" (not a bug of ours).
WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO}


def is_write_failure(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, OSError):
        return exc.errno in WRITE_ERRNOS
    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and any(
        word in str(exc) for word in ("full", "readonly", "read-only", "disk I/O")
    )


def exit_code(outcome: CrawlOutcome) -> int:
    """6 when the output could not be written (whatever else happened), else the signal's
    130/143, else what the report says (0, 1, 4)."""
    report = outcome.report
    if report is not None and report.write_failures:
        code: int = report.write_failure_code()  # 6, or 141 when a pipe's reader went away
        return code
    if outcome.failure is not None:
        return EXIT_WRITE_FAILED if is_write_failure(outcome.failure) else EXIT_ERRORS
    if report is None:
        return EXIT_ERRORS
    if outcome.signum is not None:
        return (
            128 + outcome.signum
            if outcome.signum in {signal.SIGINT, signal.SIGTERM}
            else EXIT_SIGINT
        )
    verdict: int = report.exit_code()
    return verdict


def finish(outcome: CrawlOutcome, plan: CrawlPlan, code: int, report_path: Path | None) -> None:
    """Print the summary (and the one line of a crawl that could not start or reach its site)."""
    report = outcome.report
    if outcome.failure is not None:
        print(f"newsroom-scraper: error: {failure_line(outcome.failure, plan)}", file=sys.stderr)
        return
    if report is None:
        print("newsroom-scraper: error: the crawl did not start", file=sys.stderr)
        return
    print_summary(outcome, plan, code, report_path)
    if code == EXIT_UNREACHABLE:
        host = unreachable_host(plan, report)
        failure = report.connection_failure()
        print(
            f"newsroom-scraper: error: cannot reach {host} ({failure}); "
            "no network? try --demo for the offline sample",
            file=sys.stderr,
        )


def unreachable_host(plan: CrawlPlan, report: Any) -> str:
    """The host a crawl that got no answer tried: the mirror's (``--base-url``), else the one
    of the first request that failed, else the start URL's (generic), else the site's."""
    candidates = (
        plan.arguments.get("base_url"),
        report.first_failed_url,
        plan.arguments.get("start_url"),
        getattr(plan.spidercls, "start_url", None),
        plan.spidercls.public_origin,
    )
    for url in candidates:
        if url and urlsplit(url).netloc:
            return urlsplit(url).netloc
    return plan.spidercls.name


def failure_line(exc: BaseException, plan: CrawlPlan) -> str:
    """A crawl that could not start, in one line naming the file when it is known."""
    import sqlite3

    from newsroom_scraper.state.store import STATE_FILE

    path: Path | str | None = None
    if isinstance(exc, OSError):
        path = exc.filename
    elif isinstance(exc, sqlite3.Error) and plan.data_dir is not None:
        path = plan.data_dir / STATE_FILE
    if path is not None and is_write_failure(exc):
        reason = describe_failure(exc)
        if isinstance(exc, sqlite3.Error):
            # SQLite gives no OS error ("disk I/O error" when its shared-memory file cannot
            # grow): add what the file system says when it is full.
            with contextlib.suppress(OSError):
                free = shutil.disk_usage(Path(path).parent).free
                if free < 1 << 20:
                    reason += f" (no space left on device: {free} bytes free)"
        return f"cannot write {path}: {reason}"
    where = f" ({path})" if path is not None else ""
    return f"the crawl could not start{where}: {type(exc).__name__}: {describe_failure(exc)}"


def output_label(path: str) -> str:
    return "standard output" if path == STDOUT else path


#: How a close reason reads in the summary's first line (others as Scrapy names them).
CLOSE_REASONS = {
    "shutdown": "interrupted",
    "write_failed": "stopped (a write failed)",
    "closespider_itemcount": "finished (--limit reached)",
}


def print_summary(
    outcome: CrawlOutcome, plan: CrawlPlan, code: int, report_path: Path | None
) -> None:
    report = outcome.report
    summary = report.summary()
    reason = summary["close_reason"]
    if reason is None:
        state = "stopped at once" if outcome.forced else "stopped before it finished"
    else:
        state = CLOSE_REASONS.get(reason, reason)
    lines = [
        f"Crawl {state}: {summary['items']} items from {summary['pages']} pages "
        f"({summary['requests']} requests) in {summary['duration_seconds']:.1f}s",
    ]
    if plan.data_dir is not None:
        changes = [f"{n} {k}" for k, n in summary["dataset"].items()]
        if summary["kept_previous"]:  # exit 5: changed articles not written over
            changes.append(f"{summary['kept_previous']} previous versions kept")
        lines.append("Dataset: " + ", ".join(changes))
    # The stable keys only; the state machine's counters are in the stats and the run report.
    discovery = ", ".join(f"{k}={v}" for k, v in summary["discovery_summary"].items())
    if discovery:
        lines.append(f"Discovery: {discovery}")
    if summary["dropped"]:
        lines.append(f"Dropped items: {summary['dropped']}")
    lines += error_lines(summary, report)
    lines.extend(report.shape_lines())
    lines += written_lines(summary, report, outcome, plan)
    if report_path is not None:
        lines.append(f"Report: {report_path}")
    lines.append(f"Exit code {code}: {EXIT_CODES_DOC.get(code, 'unknown')}")
    print("\n".join(lines), file=sys.stderr)


def error_lines(summary: dict[str, Any], report: Any) -> list[str]:
    if not summary["errors"]:
        return []
    lines = ["Errors: " + ", ".join(f"{kind} {count}" for kind, count in summary["errors"].items())]
    lines += [f"  {record.kind}: {record.url} ({record.reason})" for record in report.errors[:10]]
    if len(report.errors) > 10:
        lines.append(f"  ... {len(report.errors) - 10} more in the log")
    return lines


def written_lines(
    summary: dict[str, Any], report: Any, outcome: CrawlOutcome, plan: CrawlPlan
) -> list[str]:
    """What was not written (the first failure with its OS error, then the others by name),
    and what was (``Output:``, only then)."""
    lines = []
    for number, failure in enumerate(report.write_failures):
        if failure.reader_closed:
            lines.append(
                f"Not written: {output_label(failure.path)} closed by the reader (e.g. `| head`): "
                "the items after that point were dropped"
            )
        elif number == 0:
            lines.append(f"Not written: {output_label(failure.path)}: {failure.reason}")
        else:
            lines.append(f"Also not written: {output_label(failure.path)}")
    dataset_mode = plan.data_dir is not None and not plan.redis
    if report.write_failures and dataset_mode:
        lines.append("The previous dataset is kept as it was; the next run rewrites it")
    if outcome.forced:
        kept = "the dataset was not rewritten" if dataset_mode else "nothing was written"
        lines.append(f"Stopped at once: the requests in flight were dropped; {kept}")
    if summary["output"]:
        kind = "items" if plan.data_dir is None else "articles"
        count = summary["output_items"]
        if plan.redis:
            kind = "items: this worker's run file"
            if count is None:  # the run file holds this worker's new, updated and removed items
                changes = summary["dataset"]
                count = changes["new"] + changes["updated"] + changes["removed"]
        output = output_label(summary["output"])
        lines.append(f"Output: {output} ({count} {kind})")
    return lines


# -- export ---------------------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    """``<data dir>/<site>.jsonl`` from Redis, under the data directory's lock (exit 3 if held;
    6 if it cannot be written); without ``--redis``, the dataset in another format
    (:func:`run_export_file`)."""
    from newsroom_scraper.state.lock import LOCK_FILE, DataDirLock, DataDirLockedError

    if not args.redis:
        return run_export_file(args)
    if args.format or args.out:
        raise CliError("--format and --out export the local dataset: drop --redis")
    site = site_class(args.site).name
    folder = data_dir(args.data_dir)
    path = folder / f"{site}.jsonl"
    store = open_redis_store(args.redis)
    try:
        with DataDirLock(folder):
            count = export_locked(store, site, path, args.redis)
    except DataDirLockedError as exc:
        raise CliError(str(exc), code=EXIT_LOCKED) from None
    except OSError as exc:  # the lock or the dataset: a full disk, a read-only file system
        failed = exc.filename if exc.filename and LOCK_FILE in str(exc.filename) else path
        raise CliError(
            f"cannot write {failed}: {describe_failure(exc)}", EXIT_WRITE_FAILED
        ) from None
    finally:
        store.close()
    print(f"Exported {count} {site} articles to {path}", file=sys.stderr)
    return EXIT_OK


def export_locked(store: RedisStateStore, site: str, path: Path, url: str) -> int:
    from newsroom_scraper.distributed import crawl_status, export_dataset

    status = crawl_status(store, site)
    if not status["articles"]:
        raise CliError(f"no {site} articles in Redis at {url}; nothing written", EXIT_ERRORS)
    if status["queued"] or status["in_flight"] or status["alive_workers"]:
        print(
            f"newsroom-scraper: warning: the crawl is still running ({status['queued']} requests "
            f"queued, {status['in_flight']} in flight, workers alive: "
            f"{', '.join(status['alive_workers']) or 'none'}): exporting what is stored so far",
            file=sys.stderr,
        )
    return export_dataset(store, site, path)


# -- export --format, stats -----------------------------------------------------------------------


def run_export_file(args: argparse.Namespace) -> int:
    """``export --site SITE --format F --out FILE``: the dataset as Parquet, CSV or JSON Lines."""
    from newsroom_scraper.analysis import MissingExtraError
    from newsroom_scraper.analysis.dataset import DatasetError, dataset_file
    from newsroom_scraper.analysis.export import export, export_stream

    if not args.format or not args.out:
        raise CliError("export needs --format parquet|csv|jsonl and --out FILE (or --redis URL)")
    to_stdout = str(args.out) == STDOUT
    if to_stdout and args.format == "parquet":
        raise CliError(
            "--out -: Parquet is not written to standard output (readers need the whole file "
            "to seek in): give a file name, or use --format csv or jsonl"
        )
    source = dataset_file(data_dir(args.data_dir), dataset_of(args.site))
    if not to_stdout and args.out.resolve() == source.resolve():
        raise CliError(f"--out {args.out}: that is the dataset itself")
    try:
        if to_stdout:
            sys.stdout.flush()
            count = export_stream(source, sys.stdout.buffer, args.format)
        else:
            count = export(source, args.out, args.format)
    except MissingExtraError as exc:
        raise CliError(str(exc)) from None
    except DatasetError as exc:
        raise CliError(str(exc), code=EXIT_ERRORS) from None
    except BrokenPipeError:
        raise  # the reader stopped early: main() exits quietly
    except OSError as exc:
        raise file_error(exc, args.out) from None
    target = output_label(str(args.out))
    print(f"Exported {count} articles from {source} to {target}", file=sys.stderr)
    return EXIT_OK


def file_error(exc: OSError, output: Path | None) -> CliError:
    """An OS error of ``export`` / ``stats``, naming the file it happened on: exit 6 when it
    happened writing the output (the file or a folder on its way, as for ``crawl``), 1 when
    reading the dataset."""
    failed = Path(exc.filename) if exc.filename is not None else output
    writing = (
        output is not None
        and failed is not None
        and (failed == output or failed in Path(output).parents)
    )
    if not writing:
        return CliError(f"cannot read {failed}: {describe_failure(exc)}", code=EXIT_ERRORS)
    if isinstance(exc, FileExistsError) and failed and failed != output and not failed.is_dir():
        # makedirs met a regular file where a folder of the path should be
        return CliError(f"cannot write {output}: [Errno 20] Not a directory: {failed}",
                        code=EXIT_WRITE_FAILED)  # fmt: skip
    return CliError(f"cannot write {failed}: {describe_failure(exc)}", code=EXIT_WRITE_FAILED)


def run_stats(args: argparse.Namespace) -> int:
    """``stats SITE``: a summary of the dataset on stdout, as JSON, or as an HTML report."""
    from newsroom_scraper.analysis import MissingExtraError
    from newsroom_scraper.analysis.dataset import DatasetError, dataset_file, runs_folder
    from newsroom_scraper.analysis.stats import dataset_stats, format_summary

    site = dataset_of(args.site)
    folder = data_dir(args.data_dir)
    source = dataset_file(folder, site)
    try:
        if args.html:
            from newsroom_scraper.analysis.html import write_html_report

            write_html_report(source, runs_folder(folder, site), args.html)
            print(f"Report of {source} written to {args.html}", file=sys.stderr)
            return EXIT_OK
        data = dataset_stats(source, runs_folder(folder, site))
    except MissingExtraError as exc:
        raise CliError(str(exc)) from None
    except DatasetError as exc:
        raise CliError(str(exc), code=EXIT_ERRORS) from None
    except OSError as exc:
        raise file_error(exc, args.html) from None
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_summary(data, source))
    return EXIT_OK


# -- extract --------------------------------------------------------------------------------------


def run_extract(args: argparse.Namespace) -> int:
    from newsroom_scraper.extract import check_page_url, extract_files

    spidercls = site_class(args.site)
    try:
        url = check_page_url(args.url) if args.url is not None else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return extract_files(spidercls, args.files, url, sys.stdout, sys.stderr)


# -- serve-demo -----------------------------------------------------------------------------------


def serving_lines(site: str, folder: Path, origin: str) -> str:
    """What ``serve-demo`` prints: where, and the commands that crawl it (plain Scrapy needs
    the project's scrapy.cfg: it works from the repository only)."""
    return (
        f"Serving the offline sample of {site} ({folder}) at {origin}; Ctrl-C stops.\n"
        f"  newsroom-scraper crawl {site} --base-url {origin} --out items.jsonl\n"
        f"  scrapy crawl {site} -a base_url={origin} -O items.jsonl   "
        "# plain Scrapy: from the repository's folder only"
    )


def run_serve_demo(args: argparse.Namespace) -> int:
    """Serve ``newsroom_scraper/demo/<site>/`` on 127.0.0.1 until SIGINT or SIGTERM (exit 0)."""
    from newsroom_scraper.mirror import MirrorServer, MirrorSite

    site = site_class(args.site).name
    folder = demo_folder(site)
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port}: expected 0 to 65535")
    try:
        server = MirrorServer(MirrorSite.load(folder), port=args.port)
    except OSError as exc:
        raise CliError(
            f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}", EXIT_USAGE
        ) from None
    print(serving_lines(site, folder, server.origin), flush=True)

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
