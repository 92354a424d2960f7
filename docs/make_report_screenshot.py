"""Render the demo dataset's HTML report in headless Chromium: docs/report.png (README).

    apt-get install -y chromium              # Debian's package
    pip install -e '.[analysis]'
    python docs/make_report_screenshot.py [--site europol] [--out docs/report.png] [--html FILE]

Crawls the offline demo sample of the site twice into a scratch data directory (the second run
gives the incremental history a second, unchanged run), writes the report with
``newsroom-scraper stats SITE --html``, screenshots it in headless Chromium at 1100 px wide,
crops the empty background below the page and stores it as a 256-colour PNG (small enough for
the repository). Look at the PNG after any change to the report's layout or charts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WIDTH = 1100
BACKGROUND = (246, 247, 249)  # the page's --bg


def cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "newsroom_scraper.cli", *args], cwd=REPO, check=True,
                   capture_output=True)  # fmt: skip


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    sys.exit("no chromium on the PATH: apt-get install -y chromium")


def screenshot(page: Path, png: Path, height: int = 6000) -> None:
    subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1", f"--window-size={WIDTH},{height}",
         f"--screenshot={png}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def crop_and_shrink(png: Path, out: Path) -> None:
    from PIL import Image  # matplotlib's own dependency (analysis extra)

    image = Image.open(png).convert("RGB")
    bottom = image.height
    while bottom > 1 and all(
        image.getpixel((x, bottom - 1)) == BACKGROUND for x in range(0, image.width, 7)
    ):
        bottom -= 1
    image = image.crop((0, 0, image.width, min(image.height, bottom + 24)))
    out.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", default="europol")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report.png")
    parser.add_argument("--html", type=Path, help="also keep the HTML report here")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for _ in range(2):
            cli("crawl", options.site, "--demo", "--data-dir", str(folder / "data"))
        page = options.html or folder / "report.html"
        cli("stats", options.site, "--data-dir", str(folder / "data" / "demo"), "--html", str(page))
        raw = folder / "raw.png"
        screenshot(page, raw)
        crop_and_shrink(raw, options.out)
    print(f"{options.out}: {options.out.stat().st_size / 1000:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
