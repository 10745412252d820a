"""Measure page load times of the dashboard in headless Chromium and write them to a JSON file.

    python -m dashboards.bench_pages                      # serve the app on a free port, 3 runs per page
    python -m dashboards.bench_pages --url http://127.0.0.1:8501 --runs 5
    python -m dashboards.bench_pages --serving /tmp/x/serving.duckdb --out benchmarks/dashboard_pages.json

A load is timed from navigation to the page's last element (the keyed "page_rendered" container
written by app.py after the page ran) with every plotly chart drawn. The first load of each page
runs on cold Streamlit caches (a freshly started server); the next runs are warm.

The helpers (`serve`, `launch_browser`, `wait_ready`) are shared with tests/dashboard/test_browser.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboards" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (name, url path) of every page; the overview is the default page at "/".
PAGES: list[tuple[str, str]] = [
    ("overview", ""),
    ("plan", "plan"),
    ("regions", "regions"),
    ("production_safety", "production-safety"),
    ("road_traffic", "road-traffic"),
    ("fires", "fires"),
    ("disasters", "disasters"),
    ("enforcement", "enforcement"),
    ("quality", "quality"),
    ("sources", "sources"),
    ("exports", "exports"),
    ("workbench", "sql"),
    ("indicators", "indicators"),
]
READY = ".st-key-page_rendered [data-stale='false']"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


# How long `serve` waits for a starting Streamlit: generous, since a busy machine (CI) can take
# minutes to import it; this bounds a hang, it does not measure speed.
STARTUP_TIMEOUT_S = 300.0


@contextmanager
def serve(
    serving: Path | None = None,
    port: int | None = None,
    log: Path | None = None,
    address: str = "127.0.0.1",
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on `address`:<free port>, headless, with `extra` flags and
    `env` added to this process's environment; yields the loopback base URL."""
    port = port or free_port()
    environ = dict(os.environ, **(env or {}))
    environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    if serving is not None:
        environ["SAFETY_SERVING"] = str(serving)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", address,
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        *extra,
    ]  # fmt: skip
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {proc.returncode}" + (f"; see {log}" if log else "")
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not become healthy within {STARTUP_TIMEOUT_S:g} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_ready(page: Any, text: str | None = None, timeout: float = 30_000) -> None:
    """Wait until the script run finished (the page_rendered sentinel, optionally containing
    `text`) and every plotly chart on the page has drawn its SVG."""
    sentinel = page.locator(READY)
    if text is None:
        sentinel.first.wait_for(state="visible", timeout=timeout)
    else:
        sentinel.filter(has_text=text).first.wait_for(state="visible", timeout=timeout)
    page.wait_for_function(
        """() => {
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            const drawn = document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg');
            return !document.querySelector('[data-testid="stSkeleton"]')
                && Array.from(charts).every(c => c.querySelector('.main-svg'))
                && drawn.length >= charts.length;
        }""",
        timeout=timeout,
    )


def click_nav(page: Any, path: str) -> None:
    """Open a page through the sidebar navigation (client-side, no reload)."""
    links = page.locator("[data-testid='stSidebarNavLink']")
    target = links.filter(
        has=page.locator(f"xpath=self::a[substring(@href, string-length(@href) - {len(path)})='/{path}']")
    )
    target.first.click()


def server_seconds(page: Any) -> float | None:
    """The render time app.py writes into the sentinel ("本页生成用时 0.12 秒")."""
    text = page.locator(READY).first.inner_text()
    for token in text.replace("秒", " ").split():
        try:
            return float(token)
        except ValueError:
            continue
    return None


def measure(
    url: str, runs: int = 3, query: str = "", pages: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = launch_browser(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            for name, path in pages or PAGES:
                times: list[float] = []
                server: list[float] = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    page.goto(f"{url}/{path}{query}")
                    wait_ready(page)
                    times.append(time.perf_counter() - t0)
                    s = server_seconds(page)
                    if s is not None:
                        server.append(s)
                    errors = page.locator("[data-testid='stException']").count()
                    if errors:
                        raise RuntimeError(f"{name}: {errors} exception(s) on the page")
                results[name] = {
                    "path": f"/{path}{query}",
                    "first_load_s": round(times[0], 3),
                    "warm_median_s": round(statistics.median(times[1:] or times), 3),
                    "max_s": round(max(times), 3),
                    "server_render_s": [round(x, 3) for x in server],
                    "runs": len(times),
                }
            # in-app navigation: click the page in the sidebar, as a user switches pages
            nav: dict[str, list[float]] = {name: [] for name, _ in pages or PAGES}
            page.goto(f"{url}/{query}")
            wait_ready(page)
            for _ in range(runs):
                for name, path in pages or PAGES:
                    t0 = time.perf_counter()
                    click_nav(page, path)
                    wait_ready(page, text=f" · {path or 'overview'} · ")
                    nav[name].append(time.perf_counter() - t0)
            for name, times in nav.items():
                results[name]["nav_median_s"] = round(statistics.median(times), 3)
                results[name]["nav_max_s"] = round(max(times), 3)
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time every dashboard page in headless Chromium")
    ap.add_argument("--url", help="an already running app (default: start one on a free port)")
    ap.add_argument("--serving", help="serving copy to serve (default: SAFETY_SERVING or the default path)")
    ap.add_argument("--runs", type=int, default=3, help="loads per page (the first is on cold caches)")
    ap.add_argument("--query", default="", help="query string for every page, e.g. ?region=450000")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "dashboard_pages.json"))
    args = ap.parse_args(argv)

    from pipelines.settings import serving_path

    serving = Path(args.serving).resolve() if args.serving else serving_path()
    started = time.perf_counter()
    if args.url:
        results = measure(args.url.rstrip("/"), args.runs, args.query)
    else:
        with serve(serving) as url:
            results = measure(url, args.runs, args.query)
    report = {
        "measured_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "serving_copy": str(serving),
        "serving_bytes": serving.stat().st_size if serving.exists() else None,
        "browser": CHROMIUM,
        "runs_per_page": args.runs,
        "definition": (
            "seconds until the page's last element (st-key-page_rendered) is rendered and every plotly chart "
            "has drawn. first_load_s: full page load on a freshly started server (cold caches); "
            "warm_median_s: full page reload (new websocket session, JS bundle from cache); "
            "nav_median_s: switching to the page with the sidebar navigation (what a user does)"
        ),
        "budget_s": 2.0,
        "pages": results,
        "slowest_reload_s": max(r["warm_median_s"] for r in results.values()),
        "slowest_in_app_s": max(r["nav_median_s"] for r in results.values()),
        "total_s": round(time.perf_counter() - started, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    width = max(len(n) for n in results)
    for name, r in results.items():
        print(
            f"{name:<{width}}  first {r['first_load_s']:.2f} s   reload {r['warm_median_s']:.2f} s"
            f"   in-app {r['nav_median_s']:.2f} s"
        )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
