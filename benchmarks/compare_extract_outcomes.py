"""Every ``extract`` outcome of this code against the code at an earlier commit: identical?

    python benchmarks/compare_extract_outcomes.py [--before COMMIT] [--generated N]

The oracle of a change that must not change any item: the package at ``--before`` is loaded
beside the current one (as ``bench_extract_paired.py`` loads it) and both run
:func:`extract_files` of every registered site over the same files, in one call a site (as
``newsroom-scraper extract`` reads a folder): every page of each site's two test mirrors (the
default one and one of 150 generated articles: articles, listings, feeds, API answers, error
pages), the demo samples, the real pages under ``../shared/sites/`` and ``../shared/generic/``,
and ``--generated`` generated 60 KB Europol shells. An outcome is a file's record (minus
``scraped_at``) or its error line; the exit codes are compared too. Prints the number of
outcomes compared and exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from bench_extract import europol_pages
from bench_extract_paired import DEFAULT_BEFORE, extract_sites, load_before

SHARED = benchlib.REPO.parent / "shared"


def mirror_files(folder: Path) -> list[Path]:
    """Every page body of each registered site's mirrors and demo sample, one file each."""
    from newsroom_scraper.spiders import registered_sites
    from tests.mirrors import demo_site, mirror_module

    files = []
    for site in registered_sites():
        module = mirror_module(site)
        mirrors = {
            "default": module.build_site(module.default_articles()),
            "generated": module.build_site(module.generate_articles(150)),
            "demo": demo_site(module),
        }
        for label, mirror in mirrors.items():
            for number, (_key, page) in enumerate(sorted(mirror.pages.items())):
                if not page.body:
                    continue
                suffix = ".json" if page.body.lstrip()[:1] in {b"{", b"["} else ".html"
                path = folder / f"{site}-{label}-{number:05d}{suffix}"
                path.write_bytes(page.body)
                files.append(path)
    return files


def shared_files() -> list[Path]:
    """The real pages and samples under ``../shared``."""
    found = []
    for root in (SHARED / "sites", SHARED / "generic"):
        found += [
            path
            for path in sorted(root.rglob("*"))
            if path.is_file() and path.suffix in {".html", ".json", ".xml", ".htm"}
        ]
    return found


def outcomes(extract: Any, site: str, files: list[Path]) -> tuple[int, list[str]]:
    """The exit code and each file's outcome (its record without ``scraped_at``, or error)."""
    out, err = io.StringIO(), io.StringIO()
    code = extract.extract_files(extract_sites(extract)[site], files, None, out, err)
    records = iter(out.getvalue().splitlines())
    errors: dict[str, list[str]] = {}
    for line in err.getvalue().splitlines():
        errors.setdefault(line.split(": ", 1)[0], []).append(line)
    result = []
    for path in files:
        if str(path) in errors:
            result.append("\n".join(errors.pop(str(path))))
            continue
        record = json.loads(next(records))
        record.pop("scraped_at", None)
        result.append(json.dumps(record, ensure_ascii=False))
    assert next(records, None) is None, "more records than files"
    assert not errors, "errors of no file"
    return code, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the commit to compare with")
    parser.add_argument("--generated", type=int, default=2000, help="generated Europol shells")
    args = parser.parse_args()

    from newsroom_scraper import extract as current
    from newsroom_scraper.spiders import registered_sites

    with tempfile.TemporaryDirectory() as folder:
        before = load_before(args.before, Path(folder) / "before")
        pages = Path(folder) / "pages"
        generated = Path(folder) / "generated"
        pages.mkdir()
        generated.mkdir()
        sets = {
            "mirrors": mirror_files(pages),
            "shared": shared_files(),
            "generated": europol_pages(args.generated, 60 * 1024, generated)[0],
        }
        total = 0
        for site in registered_sites():
            for label, files in sets.items():
                old = outcomes(before, site, files)
                new = outcomes(current, site, files)
                if old != new:
                    for path, a, b in zip(files, old[1], new[1], strict=True):
                        if a != b:
                            print(
                                f"DIFFERENT: --site {site} {path}\n  before: {a[:400]}\n"
                                f"  now:    {b[:400]}"
                            )
                            break
                    else:
                        print(f"DIFFERENT exit codes: --site {site} {label}: {old[0]} {new[0]}")
                    sys.exit(1)
                records = sum(line.startswith("{") for line in new[1])
                print(
                    f"--site {site:9} {label:9}: {len(files):5} outcomes equal "
                    f"({records} records), exit code {new[0]}"
                )
                total += len(files)
    print(f"{total} outcomes compared, all identical to {args.before} (scraped_at aside)")


if __name__ == "__main__":
    main()
