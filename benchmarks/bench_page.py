"""Size and first render of the page (`ditrates page`) in headless Chromium: prints, asserts nothing.

    python benchmarks/bench_page.py [--runs 5] [--screenshot docs/img/page.png]

Page size: every file `ditrates page` writes (index.html, generated data, glue, uPlot and its licence).
First render: in a fresh browser profile each run, the time from navigation start to the end of the page's
first `update()` (table and both charts drawn: performance.now() at the end of app.js), and the script's
own share of it (`firstRenderMs`). Needs chromium and chromium-driver (Debian) and selenium.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from ditrates.page import build

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1320,1500")


def driver(profile: Path):
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.binary_location = shutil.which("chromium")
    return webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=opts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--screenshot", type=Path, default=None, help="also save a PNG of the page")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "page"
        files = build.write(directory)
        sizes = {p.name: p.stat().st_size for p in files}
        print(f"page size: {sum(sizes.values()) / 1024:.0f} KiB in {len(files)} files (limit 1 MB); largest: "
              + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:3]))
        totals, scripts = [], []
        for run in range(args.runs):
            d = driver(Path(tmp) / f"profile{run}")
            try:
                d.get((directory / "index.html").as_uri())
                total, script = d.execute_script(
                    "return [window.ditratesPage.renderedAt, window.ditratesPage.firstRenderMs]")
                totals.append(total)
                scripts.append(script)
                if args.screenshot is not None and run == 0:
                    d.save_screenshot(str(args.screenshot))
                    print(f"screenshot: {args.screenshot}")
            finally:
                d.quit()
        print(f"first render (navigation start to table and charts drawn): median {statistics.median(totals):.0f} ms, "
              f"max {max(totals):.0f} ms over {args.runs} fresh loads (limit 1000 ms)")
        print(f"  of which the page's script (evaluation, 59 + 31 chart points, drawing): median "
              f"{statistics.median(scripts):.0f} ms")


if __name__ == "__main__":
    main()
