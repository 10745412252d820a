"""Scale benchmark: full and incremental refresh, peak memory, dashboard query latency, and each
main mart against a hand-written DuckDB query over the same raw files.

    python benchmarks/run_bench.py --sizes 1M,10M            # `make bench`
    python benchmarks/run_bench.py --sizes 1M --format csv --data /work/scale-data --work /tmp/bench

Per size and format it
1. generates the SYNTHETIC drop once (`pipelines.samplegen --records`), outside the repo;
2. full refresh of the whole drop into a new warehouse: wall time, phases, peak memory of the
   whole process tree (sum of the RSS of `safety-stats` and every child, sampled from /proc
   every 0.2 s) and the largest single process (getrusage), dbt model times;
3. full refresh of the drop without its last quarter (2026Q3) into a second warehouse, then the
   last quarter's files are added and `safety-stats refresh` (incremental) runs: its time, and
   the marts of both warehouses compared row for row (they must be identical);
4. hand-written DuckDB SQL over the same raw files computing the same numbers as the main marts
   (every record numerator behind fct_indicator_values; every breakdown of fct_breakdowns and its
   同比 change; rolled up the region tree, per quarter, YTD and year): its time, and its numbers
   checked against the pipeline's;
5. p50/p95 latency of the dashboard's main queries (dashboards/data.py, caches cleared before
   every call) on the serving copy.

Writes benchmarks/scale.json and benchmarks/scale.md with the machine it ran on. The figures
depend on the machine and on what else runs on it; nothing here is a pass/fail threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (  # noqa: E402  (benchmarks/ is not a package)
    RECORD_SOURCES,
    TreePeak,
    child_env,
    link_drop,
    machine,
    machine_line,
    newest_run_results,
    phases,
    write_report,
)

BIN = Path(sys.executable).parent
MARTS = ("fct_indicator_values", "fct_breakdowns", "fct_plan_progress", "fct_reconciliation")
# The model holding the numbers each mart's hand-written query reproduces. fct_indicator_values
# divides record numerators by denominators that arrive as GBK CSV and XLSX, which DuckDB cannot
# read without downloading extensions: its hand-written query stops at the numerators
# (int_record_measures__periods); the whole chain to the mart is reported beside it.
SAME_NUMBERS_MODEL = {
    "fct_indicator_values": "int_record_measures__periods",
    "fct_breakdowns": "fct_breakdowns",
}


# ----------------------------------------------------------------------------- measured commands


def run_measured(args: list[str], log_path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; wall time, peak RSS of its process tree, largest single process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        sampler = TreePeak(proc.pid)
        rc = proc.wait()
        peak = sampler.stop()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if rc != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({rc}); see {log_path}")
    return {
        "wall_s": round(wall, 1),
        "peak_tree_rss_mib": round(peak / 2**20),
        # ru_maxrss only grows: this is the largest single process so far if it grew now. It is
        # an upper bound: a child's ru_maxrss carries this process's own high-water mark across
        # exec. The tree peak above is sampled from /proc and has no such carry-over.
        "max_single_process_rss_mib": round(after / 1024) if after > before else None,
        "log": str(log_path),
    }


def dbt_model_times(since: float) -> dict[str, float]:
    """Execution time per dbt model of the newest run_results.json written after `since`."""
    data = newest_run_results(ROOT / "dbt_project" / "target", since)
    if data is None:
        return {}
    return {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 2)
        for r in data["results"]
        if r["unique_id"].startswith("model.")
    }


def upstream_models(mart: str) -> set[str]:
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    seen: set[str] = set()
    stack = [f"model.safety_stats.{mart}"]
    while stack:
        uid = stack.pop()
        if uid in seen or not uid.startswith("model."):
            continue
        seen.add(uid)
        stack += nodes[uid]["depends_on"]["nodes"]
    return {u.split(".")[-1] for u in seen}


# ----------------------------------------------------------------------------- drops


def ensure_data(data_root: Path, size: str, fmt: str) -> tuple[Path, dict[str, Any]]:
    out = data_root / f"{size}-{fmt}"
    marker = out / "README.md"
    info: dict[str, Any] = {"path": str(out)}
    if not marker.exists():
        t0 = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.samplegen",
                "--out",
                str(out),
                "--records",
                size,
                "--format",
                fmt,
            ],
            check=True,
            cwd=ROOT,
        )
        info["generated_in_s"] = round(time.monotonic() - t0, 1)
    rows = re.search(r": (\d+) record rows", marker.read_text())
    info["record_rows"] = int(rows.group(1)) if rows else None
    info["files"] = sum(1 for s in RECORD_SOURCES for _ in (out / s).iterdir())
    info["bytes"] = sum(p.stat().st_size for s in RECORD_SOURCES for p in (out / s).iterdir())
    return out, info


def refresh(raw: Path, warehouse: Path, log: Path, *extra: str) -> dict[str, Any]:
    env = child_env()
    since = time.time()
    args = [str(BIN / "safety-stats"), "refresh", "--raw", str(raw), "--warehouse", str(warehouse), *extra]
    out = run_measured(args, log, env)
    out.update(phases(log))
    out["dbt_model_s"] = dbt_model_times(since)
    return out


# ----------------------------------------------------------------------------- comparisons


def compare_marts(a: Path, b: Path, spill: Path) -> dict[str, Any]:
    """Each main mart of serving copies `a` (full) and `b` (incremental) row for row: their
    content fingerprints first (pipelines.lib.table_fingerprints: columns, and per year the count
    and hash sum of the rows, as the publisher compares them), and the rows of each side the
    other lacks (EXCEPT ALL) only when those differ. Within the writer's memory limit, spilling to
    `spill`: without a limit the EXCEPT ALL of fct_breakdowns at 1M (40M rows) grew to 20 GiB
    and the kernel killed the benchmark (2026-12-05)."""
    import duckdb

    from pipelines.lib.table_fingerprints import fingerprint

    limit = os.environ.get("SAFETY_DUCKDB_MEMORY", "1536MB")
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": limit, "temp_directory": str(spill)})
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for t in MARTS:
        prints = {side: fingerprint(con, side, "marts", t) for side in ("a", "b")}
        same = prints["a"] == prints["b"]
        d1 = d2 = 0
        if not same:
            d1, d2 = (
                con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {x}.marts.{t} EXCEPT ALL SELECT * FROM {y}.marts.{t})"
                ).fetchall()[0][0]
                for x, y in (("a", "b"), ("b", "a"))
            )
        out[t] = {
            "rows": sum(n for n, _ in prints["a"].parts.values()),
            "rows_only_in_full": d1,
            "rows_only_in_incremental": d2,
            "identical": same and d1 == d2 == 0,
        }
    con.close()
    shutil.rmtree(spill, ignore_errors=True)
    return out


def _reader(drop: Path, source: str, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet('{drop}/{source}/*.parquet', filename = true)"
    raise ValueError("hand-written queries read Parquet (DuckDB has no GBK decoder offline)")


def hand_written_sql(drop: Path, fmt: str, reader: Callable[[str], str] | None = None) -> dict[str, str]:
    """One DuckDB query per mart, from the raw files to the same numbers the mart publishes, written
    by hand: every record measure (fct_indicator_values' numerators) or every breakdown
    (fct_breakdowns), rolled up the region tree, per quarter, 1-N月累计 and year, and for the
    breakdowns the 同比 change. No zero rows, coverage, completeness, intervals or names: the floor
    for the arithmetic both have to do. `reader(source)`: the relation the rows of a source come
    from (default: its raw files; benchmarks/floor.py passes its loaded tables, which hold the
    loader's report-kind codes where the files hold the Chinese names: both are matched)."""
    seeds = ROOT / "dbt_project" / "seeds"
    r = reader or (lambda s: _reader(drop, s, fmt))
    in_range = "BETWEEN DATE '2011-01-01' AND DATE '2026-09-30'"
    seed = lambda name: f"read_csv('{seeds}/{name}.csv', all_varchar = true)"  # noqa: E731
    records = f"""
    regions AS (SELECT region_code, parent_code FROM {seed("regions")} WHERE valid_to IS NULL OR valid_to = ''),
    closure AS (
        WITH RECURSIVE up(descendant_code, ancestor_code) AS (
            SELECT region_code, region_code FROM regions
            UNION ALL
            SELECT u.descendant_code, p.parent_code FROM up AS u JOIN regions AS p ON u.ancestor_code = p.region_code
            WHERE p.parent_code IS NOT NULL AND p.parent_code <> '')
        SELECT * FROM up),
    sectors AS (SELECT name_zh, sector_code, in_ps_total::BOOLEAN AS in_ps, in_imc::BOOLEAN AS in_imc
                FROM {seed("sectors")} WHERE valid_to IS NULL OR valid_to = ''),
    grades AS (SELECT grade_code, grade_rank::INT AS grade_rank, min_deaths::INT AS min_deaths,
                      min_serious_injuries::INT AS min_si, min_loss_wan::DOUBLE AS min_loss FROM {seed("accident_grades")}),
    acc_raw AS (SELECT * FROM {r("accidents")} WHERE CAST(occurred_at AS DATE) {in_range}),
    acc AS MATERIALIZED (  -- current state: latest 快报/补报, 核销 struck out, production-safety scope, derived grade
        SELECT a.*, s.sector_code, s.in_imc, c.category_code, a.deaths + a.missing AS deaths_all,
               (SELECT arg_max(g.grade_code, g.grade_rank) FROM grades AS g
                WHERE a.deaths + a.missing >= g.min_deaths OR (a.serious_injuries >= g.min_si AND g.min_si > 0)
                   OR (coalesce(a.direct_loss, 0) >= g.min_loss AND g.min_loss > 0)) AS grade_code
        FROM (SELECT *, row_number() OVER (PARTITION BY accident_id ORDER BY reported_at DESC, filename DESC) AS rn
              FROM acc_raw WHERE report_kind NOT IN ('核销', 'write_off')) AS a
        JOIN sectors AS s ON a.sector = s.name_zh
        LEFT JOIN {seed("accident_categories")} AS c ON a.category = c.name_zh
        WHERE a.rn = 1 AND s.in_ps AND a.accident_id NOT IN (SELECT accident_id FROM acc_raw WHERE report_kind IN ('核销', 'write_off'))),
    dis AS MATERIALIZED (  -- latest report per event and region: 核报 over 续报 over 初报
        SELECT d.*, h.hazard_code FROM (
            SELECT *, row_number() OVER (PARTITION BY event_id, region_code ORDER BY
                CASE WHEN report_kind IN ('核报', 'final') THEN 3 WHEN report_kind IN ('续报', 'update') THEN 2 ELSE 1 END DESC, reported_at DESC, filename DESC) AS rn
            FROM {r("disasters")} WHERE started_on {in_range}) AS d
        LEFT JOIN {seed("hazards")} AS h ON d.hazard = h.name_zh
        WHERE d.rn = 1),
    road AS (SELECT * FROM {r("road_traffic")} WHERE CAST(occurred_at AS DATE) {in_range}),
    fires AS (SELECT * FROM {r("fires")} WHERE CAST(occurred_at AS DATE) {in_range}),
    enf AS (SELECT e.*, s.sector_code FROM {r("enforcement")} AS e LEFT JOIN sectors AS s ON e.sector = s.name_zh
            WHERE e.inspected_on {in_range})
    """

    def periods(keys: str) -> str:
        """leaf(region_code, year, quarter, <keys>, value) -> rolled-up quarter, ytd and year rows."""
        return f"""
    rolled AS (
        SELECT c.ancestor_code AS region_code, l.year, l.quarter, {keys}, sum(l.v::DECIMAL(38, 10))::DOUBLE AS value
        FROM leaf AS l JOIN closure AS c ON l.region_code = c.descendant_code GROUP BY ALL),
    ytd AS (
        SELECT *, sum(value::DECIMAL(38, 10)) OVER (PARTITION BY region_code, year, {keys} ORDER BY quarter)::DOUBLE AS ytd
        FROM rolled),
    periods AS MATERIALIZED (
        SELECT 'quarter' AS period_type, region_code, year, quarter, {keys}, value FROM rolled
        UNION ALL SELECT 'ytd', region_code, year, quarter, {keys}, ytd FROM ytd
        UNION ALL SELECT 'year', region_code, year, NULL, {keys}, sum(value::DECIMAL(38, 10))::DOUBLE
            FROM rolled WHERE year <= 2025 GROUP BY ALL)
    """

    c = lambda col: f"coalesce(nullif(trim(CAST({col} AS VARCHAR)), ''), 'unknown')"  # noqa: E731
    q = lambda col: f"year({col}) AS year, quarter({col}) AS quarter"  # noqa: E731
    # One scan per source: its measures as columns, then UNPIVOT to (measure_code, v).
    # (source CTE, date column, [(measure, aggregate)])
    sources = [
        (
            "acc",
            "occurred_at",
            [
                ("ps_accidents", "count(*)"),
                ("ps_deaths", "sum(deaths_all)"),
                ("ps_injuries", "sum(injuries)"),
                ("ps_accidents_larger", "count(*) FILTER (WHERE grade_code = 'larger')"),
                ("ps_accidents_major", "count(*) FILTER (WHERE grade_code = 'major')"),
                ("ps_accidents_extraordinary", "count(*) FILTER (WHERE grade_code = 'extraordinary')"),
                (
                    "ps_accidents_larger_plus",
                    "count(*) FILTER (WHERE grade_code IN ('larger', 'major', 'extraordinary'))",
                ),
                (
                    "ps_accidents_major_plus",
                    "count(*) FILTER (WHERE grade_code IN ('major', 'extraordinary'))",
                ),
                ("imc_deaths", "sum(deaths_all) FILTER (WHERE in_imc)"),
                ("se_deaths", "sum(deaths_all) FILTER (WHERE special_equipment)"),
            ],
        ),
        (
            "road",
            "occurred_at",
            [
                ("road_accidents", "count(*)"),
                ("road_deaths", "sum(deaths)"),
                ("road_injuries", "sum(injuries)"),
            ],
        ),
        (
            "fires",
            "occurred_at",
            [
                ("fire_count", "count(*)"),
                ("fire_deaths", "sum(deaths)"),
                ("fire_injuries", "sum(injuries)"),
                ("fire_direct_loss", "sum(direct_loss::DECIMAL(38, 10))"),
            ],
        ),
        (
            "dis",
            "started_on",
            [
                ("nd_affected_person_times", "sum(affected_person_times)"),
                ("nd_deaths", "sum(deaths)"),
                ("nd_missing", "sum(missing)"),
                ("nd_deaths_missing", "sum(deaths + missing)"),
                ("nd_relocated", "sum(relocated)"),
                ("nd_collapsed_houses", "sum(collapsed_houses)"),
                ("nd_crop_affected_area", "sum(crop_affected_ha::DECIMAL(38, 10))"),
                ("nd_direct_loss", "sum(direct_loss::DECIMAL(38, 10))"),
                (
                    "forest_fire_count",
                    "count(DISTINCT event_id) FILTER (WHERE hazard_code = 'forest_grassland_fire')",
                ),
                (
                    "forest_damaged_area",
                    "sum(burned_forest_ha::DECIMAL(38, 10)) FILTER (WHERE hazard_code = 'forest_grassland_fire')",
                ),
            ],
        ),
        (
            "enf",
            "inspected_on",
            [
                ("enf_inspections", "count(*)"),
                ("enf_penalties", "count(*) FILTER (WHERE penalty)"),
                ("enf_fines", "sum(fine::DECIMAL(38, 10))"),
                ("enf_suspensions", "count(*) FILTER (WHERE suspension)"),
                ("enf_closures", "count(*) FILTER (WHERE closure)"),
                ("hazards_found", "sum(hazards_found)"),
                ("hazards_major_found", "sum(hazards_major_found)"),
                ("hazards_rectified", "sum(hazards_rectified)"),
            ],
        ),
    ]
    leaf = "\n        UNION ALL ".join(
        f"(UNPIVOT (SELECT region_code, {q(d)}, "
        + ", ".join(f"{a}::DOUBLE AS {m}" for m, a in ms)
        + f" FROM {src} GROUP BY ALL) ON {', '.join(m for m, _ in ms)} INTO NAME measure_code VALUE v)"
        for src, d, ms in sources
    )
    indicator_numerators = f"""
    WITH {records},
    leaf AS MATERIALIZED ({leaf}),
    {periods("measure_code")}
    SELECT *, NULL::DOUBLE AS yoy_abs FROM periods
    """
    ps = [("ps_accidents", "count(*)"), ("ps_deaths", "sum(deaths_all)")]
    road_m = [("road_accidents", "count(*)"), ("road_deaths", "sum(deaths)")]
    fire_m = [("fire_count", "count(*)"), ("fire_deaths", "sum(deaths)")]
    nd = [
        ("nd_affected_person_times", "sum(affected_person_times)"),
        ("nd_deaths_missing", "sum(deaths + missing)"),
        ("nd_direct_loss", "sum(direct_loss::DECIMAL(38, 10))"),
        ("nd_relocated", "sum(relocated)"),
    ]
    enf_m = [
        ("enf_inspections", "count(*)"),
        ("enf_penalties", "count(*) FILTER (WHERE penalty)"),
        ("enf_fines", "sum(fine::DECIMAL(38, 10))"),
        ("hazards_found", "sum(hazards_found)"),
        ("hazards_rectified", "sum(hazards_rectified)"),
    ]
    # (domain, source CTE, date column, [(breakdown, category expression)], measures): one scan
    # per source, GROUPING SETS over its breakdowns, then UNPIVOT
    grouped = [
        (
            "production_safety",
            "acc",
            "occurred_at",
            [
                ("sector", c("sector_code")),
                ("category", c("category_code")),
                ("grade", c("grade_code")),
                ("month", "lpad(month(occurred_at)::VARCHAR, 2, '0')"),
            ],
            ps,
        ),
        (
            "road_traffic",
            "road",
            "occurred_at",
            [
                (
                    "operating_vehicle",
                    "CASE WHEN coalesce(operating_vehicle, false) THEN 'operating' ELSE 'non_operating' END",
                )
            ],
            road_m,
        ),
        ("road_traffic", "road_kinds", "occurred_at", [("vehicle_kind", "kind")], road_m),
        ("fire", "fires", "occurred_at", [("place_type", c("place_type")), ("cause", c("cause"))], fire_m),
        ("natural_disaster", "dis", "started_on", [("hazard", c("hazard_code"))], nd),
        (
            "enforcement",
            "enf",
            "inspected_on",
            [("sector", c("sector_code")), ("inspection_kind", c("inspection_kind"))],
            enf_m,
        ),
    ]

    def scan(dom: str, src: str, d: str, bds: list[tuple[str, str]], ms: list[tuple[str, str]]) -> str:
        cats = ", ".join(f"{expr} AS c_{bd}" for bd, expr in bds)
        which = " ".join(f"WHEN GROUPING(c_{bd}) = 0 THEN '{bd}'" for bd, _ in bds)
        sets = ", ".join(f"(region_code, year, quarter, c_{bd})" for bd, _ in bds)
        return (
            f"(UNPIVOT (SELECT region_code, year, quarter, '{dom}' AS domain, CASE {which} END AS breakdown, "
            f"coalesce({', '.join(f'c_{bd}' for bd, _ in bds)}) AS category_code, "
            + ", ".join(f"{a}::DOUBLE AS {m}" for m, a in ms)
            + f" FROM (SELECT *, {q(d)}, {cats} FROM {src}) GROUP BY GROUPING SETS ({sets}))"
            f" ON {', '.join(m for m, _ in ms)} INTO NAME measure_code VALUE v)"
        )

    bleaf = "\n        UNION ALL ".join(scan(*g) for g in grouped)
    keys = "domain, breakdown, category_code, measure_code"
    breakdown_values = f"""
    WITH {records},
    road_kinds AS MATERIALIZED (  -- an accident counts once under every distinct vehicle kind it lists ('unknown' if none)
        SELECT DISTINCT accident_id, region_code, occurred_at, deaths, kind FROM (
            SELECT *, unnest(CASE WHEN len(kinds) = 0 THEN ['unknown'] ELSE kinds END) AS kind
            FROM (SELECT *, list_transform(list_filter(string_split(replace(replace(coalesce(vehicle_kinds, ''),
                                '；', ';'), '、', ';'), ';'), lambda x: trim(x) <> ''), lambda x: trim(x)) AS kinds
                  FROM road))),
    leaf AS MATERIALIZED ({bleaf}),
    {periods(keys)}
    SELECT p.*, p.value - b.value AS yoy_abs
    FROM periods AS p LEFT JOIN periods AS b
        ON b.year = p.year - 1 AND b.period_type = p.period_type AND coalesce(b.quarter, 0) = coalesce(p.quarter, 0)
        AND b.region_code = p.region_code AND b.domain = p.domain AND b.breakdown = p.breakdown
        AND b.category_code = p.category_code AND b.measure_code = p.measure_code
    WHERE NOT (p.breakdown = 'month' AND p.period_type <> 'year')
    """
    return {"fct_indicator_values": indicator_numerators, "fct_breakdowns": breakdown_values}


def hand_written(drop: Path, fmt: str, warehouse: Path, runs: int = 3) -> dict[str, Any]:
    """Time each hand-written query (best of `runs`, fresh connection) and check its numbers."""
    import duckdb

    limit = os.environ.get("SAFETY_DUCKDB_MEMORY", "1536MB")
    out: dict[str, Any] = {}
    for mart, sql in hand_written_sql(drop, fmt).items():
        times = []
        for i in range(runs):
            con = duckdb.connect(config={"memory_limit": limit})
            con.execute("SET enable_progress_bar = false")
            t0 = time.monotonic()
            con.execute(f"CREATE TABLE hand AS {sql}")
            times.append(time.monotonic() - t0)
            if i < runs - 1:
                con.close()
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        out[mart] = {
            "hand_written_s": round(min(times), 2),
            "hand_written_runs_s": [round(t, 2) for t in times],
            **numbers_vs_pipeline(con, "hand", mart),
        }
        con.close()
    return out


def numbers_vs_pipeline(con: Any, hand: str, mart: str) -> dict[str, int]:
    """The numbers of `hand` (a hand-written query's result) found equal in the pipeline warehouse
    attached as `wh`: values within 1e-6 relative, and 同比 changes where both have one."""
    checks = {
        "fct_indicator_values": (
            "SELECT period_type, region_code, year, quarter, measure_code, value, NULL AS yoy_abs "
            "FROM intermediate.int_record_measures__periods",
            ["period_type", "region_code", "year", "measure_code"],
        ),
        "fct_breakdowns": (
            "SELECT period_type, region_code, year, quarter, domain, breakdown, category_code, measure_code, value, "
            "yoy_abs FROM marts.fct_breakdowns",
            ["period_type", "region_code", "year", "domain", "breakdown", "category_code", "measure_code"],
        ),
    }
    pipe_sql, key = checks[mart]
    pipe_sql = pipe_sql.replace("FROM ", "FROM wh.", 1)
    on = " AND ".join(f"h.{k} = p.{k}" for k in key) + " AND coalesce(h.quarter, 0) = coalesce(p.quarter, 0)"
    close = "abs({a} - {b}) <= 1e-6 * greatest(1, abs({a}))"
    n, matched, missing, yoy_n, yoy_equal = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {close.format(a='h.value', b='p.value')}),"
        f" count(*) FILTER (WHERE p.value IS NULL),"
        f" count(*) FILTER (WHERE h.yoy_abs IS NOT NULL AND p.yoy_abs IS NOT NULL),"
        f" count(*) FILTER (WHERE h.yoy_abs IS NOT NULL AND p.yoy_abs IS NOT NULL"
        f"   AND {close.format(a='h.yoy_abs', b='p.yoy_abs')})"
        f" FROM {hand} AS h LEFT JOIN ({pipe_sql}) AS p ON {on}"
    ).fetchone()  # type: ignore[misc]
    return {
        "numbers_compared": n,
        "numbers_equal": matched,
        "numbers_missing_in_pipeline": missing,
        "yoy_compared": yoy_n,
        "yoy_equal": yoy_equal,
    }


# ----------------------------------------------------------------------------- dashboard latency


def dashboard_latency(serving: Path, runs: int = 30) -> dict[str, Any]:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    # "No runtime found" is logged once per cached function outside `streamlit run`: not news here
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    os.environ["SAFETY_SERVING"] = str(serving)
    from dashboards import data

    db = data.db_token(serving)
    assert db is not None
    nat = "000000"
    year = "2025"
    calls: dict[str, tuple[Any, tuple[Any, ...]]] = {
        "values_for_period": (data.values_for_period, (db, nat, "year", year)),
        "annual_series": (data.annual_series, (db, nat)),
        "indicator_series": (data.indicator_series, (db, nat, "fire_deaths_per_100k_pop")),
        "quarter_values": (data.quarter_values, (db, nat, 2025)),
        "children_values": (data.children_values, (db, nat, "ps_deaths", "year", year)),
        "children_yoy_counts": (data.children_yoy_counts, (db, nat, "ps_deaths", "year", year)),
        "breakdown": (data.breakdown, (db, nat, "year", year, "fire", "cause")),
        "periods": (data.periods, (db, nat)),
    }
    out: dict[str, Any] = {}
    for name, (fn, args) in calls.items():
        times = []
        for _ in range(runs):
            fn.clear()  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            fn(*args)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1),
        }
    return out


# ----------------------------------------------------------------------------- main


def bench_size(size: str, fmt: str, data_root: Path, work: Path, incremental: bool) -> dict[str, Any]:
    drop, info = ensure_data(data_root, size, fmt)
    tag = f"{size}-{fmt}"
    wdir = work / tag
    shutil.rmtree(wdir, ignore_errors=True)
    wdir.mkdir(parents=True)
    result: dict[str, Any] = {"size": size, "format": fmt, "data": info}
    print(f"[{tag}] full refresh of {info['record_rows']} record rows, {info['files']} files", flush=True)
    full_wh = wdir / "full" / "warehouse.duckdb"
    full_wh.parent.mkdir()
    link_drop(drop, wdir / "drop_full", hold_last=False)
    result["full_refresh"] = refresh(wdir / "drop_full", full_wh, wdir / "full.log")
    print(f"[{tag}] full: {result['full_refresh']['wall_s']} s", flush=True)
    if incremental:
        inc_wh = wdir / "inc" / "warehouse.duckdb"
        inc_wh.parent.mkdir()
        held = link_drop(drop, wdir / "drop_inc", hold_last=True)
        base = refresh(wdir / "drop_inc", inc_wh, wdir / "inc_base.log")
        for path in held:
            os.link(path, wdir / "drop_inc" / path.relative_to(drop))
        inc = refresh(wdir / "drop_inc", inc_wh, wdir / "inc.log")
        planned = [
            line.split(" ", 1)[1]
            for line in (wdir / "inc.log").read_text(errors="replace").splitlines()
            if re.match(r"\d\d:\d\d:\d\d \[\w+\] \d+ new", line)
        ]
        result["incremental"] = {
            "base_full_refresh_without_last_quarter": base,
            "added_files": len(held),
            "added_rows_bytes": sum(p.stat().st_size for p in held),
            "plan": planned,
            "one_quarter_refresh": inc,
            "ratio_to_full_refresh": round(inc["wall_s"] / result["full_refresh"]["wall_s"], 3),
            "marts_equal_full_refresh": compare_marts(
                full_wh.with_name("serving.duckdb"),
                inc_wh.with_name("serving.duckdb"),
                wdir / "compare_spill",
            ),
        }
        print(f"[{tag}] incremental: {inc['wall_s']} s", flush=True)
    if fmt == "parquet":
        result["floor"] = floor_vs_refresh(wdir / "drop_full", full_wh, result, wdir)
        print(f"[{tag}] floor for the whole job: {result['floor']['floor_s']} s", flush=True)
        hand = hand_written(wdir / "drop_full", fmt, full_wh)
        for mart, h in hand.items():
            # like for like: the dbt models that compute the numbers the hand-written query computes
            same = SAME_NUMBERS_MODEL[mart]
            model_s = chain_alone(full_wh, mart, wdir)
            h["pipeline_chain_run"] = f"dbt run --select +{mart} --full-refresh --threads 1 on a copy"
            chain = upstream_models(same)
            h["pipeline_model"] = same
            h["pipeline_dbt_chain_s"] = round(sum(model_s.get(m, 0.0) for m in chain), 2)
            h["pipeline_dbt_chain_models"] = len(chain)
            h["ratio_dbt_chain_to_hand"] = round(h["pipeline_dbt_chain_s"] / h["hand_written_s"], 2)
            whole = upstream_models(mart)
            h["chain_model_s"] = model_s
            h["whole_mart_dbt_chain_s"] = round(sum(model_s.get(m, 0.0) for m in whole), 2)
            h["whole_mart_dbt_chain_models"] = len(whole)
            h["ratio_whole_mart_chain_to_hand"] = round(h["whole_mart_dbt_chain_s"] / h["hand_written_s"], 2)
            h["ratio_full_refresh_to_hand"] = round(result["full_refresh"]["wall_s"] / h["hand_written_s"], 1)
        result["marts_vs_hand_written_sql"] = hand
    result["dashboard_query_latency"] = dashboard_latency(full_wh.with_name("serving.duckdb"))
    return result


# ----------------------------------------------------------------------------- floor (benchmarks/floor.py)


def floor_vs_refresh(drop: Path, warehouse: Path, result: dict[str, Any], work: Path) -> dict[str, Any]:
    """The hand-written floor for the whole job (ingest with checks + marts, one DuckDB script) on the
    same drop, its numbers checked against the full refresh's warehouse, and the refreshes' ratios to it."""
    from floor import run_floor

    f = run_floor(drop, warehouse, runs=1, work=work)
    f["ratio_full_refresh_to_floor"] = round(result["full_refresh"]["wall_s"] / f["floor_s"], 1)
    if "incremental" in result:
        inc_s = result["incremental"]["one_quarter_refresh"]["wall_s"]
        f["ratio_one_quarter_refresh_to_floor"] = round(inc_s / f["floor_s"], 2)
    return f


def floor_markdown(runs: list[dict[str, Any]]) -> list[str]:
    rows = [r for r in runs if "floor" in r]
    if not rows:
        return []
    lines = [
        "",
        "Hand-written floor for the whole job (`benchmarks/floor.py`, best of 1 run): one DuckDB script over the "
        "same Parquet files, ingest with the loader's row rules as SQL predicates (raw tables, rejects, load log; "
        "reference sources through the project's loader: GBK CSV/XLSX) and the hand-written mart queries above "
        "on its tables; 'equal' = its raw tables, rejects and load log equal the full refresh's (EXCEPT ALL both "
        "ways, sums of every numeric column) and its mart numbers found equal.",
        "",
        "| data | floor | stage shares | equal | full refresh / floor | one-quarter refresh / floor |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        f = r["floor"]
        shares = ", ".join(f"{k.removeprefix('ingest_')} {v:.0%}" for k, v in f["stage_share"].items())
        eq = f.get("equal_to_pipeline", {}).get("all_equal")
        lines.append(
            f"| {r['size']} {r['format']} | {f['floor_s']} s | {shares} | {'yes' if eq else 'NO'} | "
            f"{f['ratio_full_refresh_to_floor']}× | {f.get('ratio_one_quarter_refresh_to_floor', '-')}"
            + ("× |" if "ratio_one_quarter_refresh_to_floor" in f else " |")
        )
    return lines


def chain_alone(warehouse: Path, mart: str, work: Path) -> dict[str, float]:
    """Execution time of each model of `+mart`, rebuilt alone on a copy of the warehouse with one
    dbt thread: the refresh runs two models at a time, so its own model times overlap and do not
    add up to what a chain costs."""
    copy = work / "chain" / "warehouse.duckdb"
    shutil.rmtree(copy.parent, ignore_errors=True)
    copy.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, copy)
    env = child_env(SAFETY_WAREHOUSE=str(copy))
    target = copy.parent / "target"
    subprocess.run(
        [
            str(BIN / "dbt"),
            "run",
            "--select",
            f"+{mart}",
            "--full-refresh",
            "--threads",
            "1",
            "--quiet",
            "--project-dir",
            str(ROOT / "dbt_project"),
            "--profiles-dir",
            str(ROOT / "dbt_project"),
            "--target-path",
            str(target),
        ],
        check=True,
        env=env,
        cwd=ROOT / "dbt_project",
    )
    data = json.loads((target / "run_results.json").read_text())
    times = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in data["results"]}
    shutil.rmtree(copy.parent, ignore_errors=True)
    return times


def to_markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        "# Scale benchmark (SYNTHETIC data) / 规模基准测试(合成数据)",
        "",
        f"{machine_line(m)} DuckDB memory limit {m['duckdb_memory_limit']}. {m['note']}.",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        "Generated by `make bench` (`benchmarks/run_bench.py`); raw figures in `scale.json`.",
        "",
        "| data | records | files | full refresh | ingest | dbt+publish | peak RSS (tree) | one-quarter refresh | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["runs"]:
        f, inc = r["full_refresh"], r.get("incremental")
        lines.append(
            f"| {r['size']} {r['format']} | {r['data']['record_rows']:,} | {r['data']['files']:,} | {f['wall_s']} s | "
            f"{f.get('ingest_s', '?')} s | {f.get('transform_and_publish_s', '?')} s | {f['peak_tree_rss_mib']} MiB | "
            + (
                f"{inc['one_quarter_refresh']['wall_s']} s | {inc['ratio_to_full_refresh']} |"
                if inc
                else "- | - |"
            )
        )
    gens = [(r["size"], r["format"], r["data"]) for r in doc["runs"]] + [
        (g["size"], g["format"], g) for g in doc.get("generated_only", [])
    ]
    lines += ["", "Generator (`python -m pipelines.samplegen --records N --format F`):", ""]
    lines += ["| data | record rows | files | bytes | generated in |", "|---|---|---|---|---|"]
    for size, fmt, g in gens:
        took = f"{g['generated_in_s']} s" if "generated_in_s" in g else "(existing)"
        lines.append(
            f"| {size} {fmt} | {g['record_rows']:,} | {g['files']:,} | {g['bytes'] / 1e6:,.0f} MB | {took} |"
        )
    lines += [
        "",
        "Incremental = full: marts of the incremental warehouse compared row for row with the full refresh:",
        "",
    ]
    for r in doc["runs"]:
        if "incremental" in r:
            eq = r["incremental"]["marts_equal_full_refresh"]
            lines.append(
                f"- {r['size']} {r['format']}: "
                + ", ".join(
                    f"{t} {'identical' if v['identical'] else 'DIFFERENT'} ({v['rows']:,} rows)"
                    for t, v in eq.items()
                )
            )
    lines += [
        "",
        "Main marts against one hand-written DuckDB query over the same raw Parquet files, computing the "
        "same numbers: for fct_indicator_values every record numerator behind it (35 measures: accident "
        "current state after 补报/核销 with the derived grade, latest 核报 per disaster, roads, fires, "
        "enforcement), for fct_breakdowns every breakdown (11, with their measures) and its 同比 change; both "
        "rolled up the region tree, per quarter, 1-N月累计 and year. Not included in the hand-written queries: "
        "zero rows for covered quarters without records, completeness, intervals, names. "
        "dbt times: execution time of a model and all its upstream dbt models, rebuilt alone with one dbt "
        "thread on a copy of the full refresh's warehouse (`dbt run --select +mart --full-refresh --threads 1`; "
        "the refresh itself runs two models at a time, so its model times overlap) - for "
        "fct_indicator_values both the models computing the numerators (int_record_measures__periods; its "
        "denominators arrive as GBK CSV and XLSX, which DuckDB reads only with extensions it would have to "
        "download) and the whole chain to the mart (rates, intervals, comparisons, plan periods); "
        "hand-written: best of 3 runs; 'numbers equal': its values (and 同比 changes) found equal in the "
        "pipeline's tables.",
        "",
    ]
    lines += [
        "| data | mart | hand-written | dbt models computing the same numbers | ratio | whole chain to the mart "
        "| ratio | full refresh / hand | numbers equal | 同比 equal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["runs"]:
        for mart, h in r.get("marts_vs_hand_written_sql", {}).items():
            lines.append(
                f"| {r['size']} {r['format']} | {mart} | {h['hand_written_s']} s | {h['pipeline_dbt_chain_s']} s "
                f"({h.get('pipeline_model', mart)}, {h['pipeline_dbt_chain_models']} models) | "
                f"{h['ratio_dbt_chain_to_hand']}× | "
                f"{h.get('whole_mart_dbt_chain_s', '-')} s ({h.get('whole_mart_dbt_chain_models', '-')} models) | "
                f"{h.get('ratio_whole_mart_chain_to_hand', '-')}× | {h['ratio_full_refresh_to_hand']}× | "
                f"{h['numbers_equal']:,} of {h['numbers_compared']:,} | "
                + (f"{h['yoy_equal']:,} of {h['yoy_compared']:,} |" if h.get("yoy_compared") else "- |")
            )
    lines += floor_markdown(doc["runs"])
    lines += [
        "",
        "Dashboard queries on the serving copy (ms, caches cleared before each call, 30 calls):",
        "",
    ]
    lines += ["| data | query | p50 | p95 |", "|---|---|---|---|"]
    for r in doc["runs"]:
        for q, v in r["dashboard_query_latency"].items():
            lines.append(f"| {r['size']} {r['format']} | {q} | {v['p50_ms']} | {v['p95_ms']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1M,10M")
    p.add_argument("--format", default="parquet", help="parquet, csv or parquet,csv")
    p.add_argument(
        "--data", type=Path, default=Path(os.environ.get("SAFETY_BENCH_DATA", "/tmp/safety-bench-data"))
    )
    p.add_argument(
        "--work", type=Path, default=Path(os.environ.get("SAFETY_BENCH_WORK", "/tmp/safety-bench"))
    )
    p.add_argument("--no-incremental", action="store_true")
    p.add_argument(
        "--generate-only",
        default="",
        help="sizes only generated (timed), e.g. 50M: shows the generator scales",
    )
    p.add_argument("--append", action="store_true", help="add to the runs already in --out")
    p.add_argument("--regenerate", action="store_true", help="generate the drops again (times the generator)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "scale.json")
    args = p.parse_args(argv)
    if args.regenerate:
        for fmt in args.format.split(","):
            for size in [*args.sizes.split(","), *filter(None, args.generate_only.split(","))]:
                shutil.rmtree(args.data / f"{size}-{fmt}", ignore_errors=True)
    previous: dict[str, Any] = {}
    if args.append and args.out.exists():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
    generated: list[dict[str, Any]] = previous.get("generated_only", [])
    for size in filter(None, args.generate_only.split(",")):
        for fmt in args.format.split(",")[:1]:
            print(f"[{size}-{fmt}] generate", flush=True)
            generated.append({"size": size, "format": fmt, **ensure_data(args.data, size, fmt)[1]})
    runs: list[dict[str, Any]] = previous.get("runs", [])
    for fmt in args.format.split(","):
        for size in args.sizes.split(","):
            runs.append(bench_size(size, fmt, args.data, args.work, not args.no_incremental))
            doc = {"machine": machine(), "runs": runs, "generated_only": generated}
            write_report(args.out, doc, to_markdown(doc), indent=2)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
