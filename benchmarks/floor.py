"""The hand-written floor for the whole job: ingest with the loader's checks, then the main marts'
numbers, as one DuckDB script over a Parquet drop, timed per stage and checked equal to the pipeline.

    python benchmarks/floor.py --drop D --warehouse W --out benchmarks/floor.json

One DuckDB connection, SQL only (no Python per file or per row):
1. every record source is read at once from `<drop>/<source>/*.parquet` and the loader's row rules
   (pipelines/lib/parse.py parse_frame, check_regions; the statistical range; the duplicate-key rule
   of pipelines/ingest/loader.py) run as SQL predicates: good rows to raw.<source>, the rest to
   raw.rejects, one raw.load_log row per file. The reference sources (denominators, reports) arrive
   as GBK CSV and XLSX, which DuckDB reads only with extensions it would have to download: they go
   through the project's own loader (load_source) on the same connection, their own stage.
2. the hand-written mart queries of run_bench.py (`hand_written_sql`) run on those tables.
Then, untimed, its tables are compared with a pipeline warehouse's (see `compare`).

What the floor leaves out, being a floor for typed Parquet with canonical column names: header
aliases and their unit factors, text-to-type parsing of CSV/XLSX cells, whole-file rejections
(missing columns, limits), reject messages and row contents. A column the Parquet file types
differently from the contract is cast with TRY_CAST (a failure is the bad_<type> reject).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from bench_common import machine, machine_line, write_report  # noqa: E402
from run_bench import MARTS, hand_written_sql, numbers_vs_pipeline  # noqa: E402

from pipelines.ingest.loader import _SQL_TYPES, duplicate_rejects_sql, ensure_tables  # noqa: E402
from pipelines.lib.contracts import (  # noqa: E402
    RECORD_SOURCES,
    REFERENCE_SOURCES,
    REPORT_KINDS_ACCIDENT,
    REPORT_KINDS_DISASTER,
    Column,
    Source,
)
from pipelines.lib.limits import CONTROL_CHARS  # noqa: E402

SEEDS = ROOT / "dbt_project" / "seeds"
LINEAGE = ("_file_path", "_file_sha256", "_row_number", "_released_on")  # compared; _load_id, _loaded_at not
# What polars' str.strip_chars() strips (Unicode White_Space), which DuckDB's trim() alone does not
_WS = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(name: str) -> str:
    return f'"{name}"'


def _text(col: Column) -> str:
    """The cell as the loader's Parquet reader turns it into text (readers._as_text), blank = NULL."""
    c = _q(col.name)
    if col.dtype == "datetime":
        t = f"strftime(TRY_CAST({c} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')"
    elif col.dtype == "date":
        t = f"strftime(TRY_CAST({c} AS DATE), '%Y-%m-%d')"
    else:
        t = f"lower(CAST({c} AS VARCHAR))" if col.dtype == "bool" else f"CAST({c} AS VARCHAR)"
    return f"nullif(trim({t}, {_lit(_WS)}), '')"


def _typed(col: Column) -> str:
    c = _q(col.name)
    if col.dtype == "str":
        return _text(col)
    if col.dtype == "datetime":  # the loader's text round trip keeps whole seconds
        return f"date_trunc('second', TRY_CAST({c} AS TIMESTAMP))"
    if col.dtype == "bool":  # an empty optional flag means "no"
        return f"coalesce(TRY_CAST({c} AS BOOLEAN), false)"
    return f"TRY_CAST({c} AS {_SQL_TYPES[col.dtype]})"


def _rules(source: Source) -> list[tuple[str, str, str, str]]:
    """(bad predicate, column, rule, bad_value) in parse_frame's order, over `src` (file columns)
    and `typed` (t_<column>). Each is the SQL of one rule of parse_frame / _source_rules."""
    rules = []
    ctrl = "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in CONTROL_CHARS) + "]"
    for col in source.columns:
        text, typed = f"x_{col.name}", f"t_{col.name}"
        if col.required:
            rules.append((f"{text} IS NULL", col.name, "required", "NULL"))
        if col.dtype == "str":
            rules.append((f"regexp_matches({text}, {_lit(ctrl)})", col.name, "control_character", text))
            rules.append((f"contains({text}, '\ufffd')", col.name, "garbled_text", text))
            continue
        if col.dtype == "bool":
            rules.append(
                (f"{text} IS NOT NULL AND TRY_CAST({text} AS BOOLEAN) IS NULL", col.name, "bad_bool", text)
            )
            continue
        rules.append((f"{text} IS NOT NULL AND {typed} IS NULL", col.name, f"bad_{col.dtype}", text))
        if col.dtype in ("int", "float"):
            rules.append((f"{typed} < 0", col.name, "negative_value", text))
    if source.name in ("accidents", "disasters"):
        kinds = REPORT_KINDS_ACCIDENT if source.name == "accidents" else REPORT_KINDS_DISASTER
        allowed = ", ".join(_lit(k) for k in [*kinds, *kinds.values()])
        rules.append(
            (
                f"x_report_kind IS NOT NULL AND x_report_kind NOT IN ({allowed})",
                "report_kind",
                "unknown_report_kind",
                "x_report_kind",
            )
        )
    rules.append(
        (
            "x_region_code IS NOT NULL AND NOT regexp_full_match(x_region_code, '[0-9]{6}([0-9]{3})?')",
            "region_code",
            "bad_region_code",
            "x_region_code",
        )
    )
    return rules


def _normalised(source: Source, col: Column) -> str:
    """The stored value: report kinds as their codes (parse._normalise_codes)."""
    typed = f"t_{col.name}"
    if col.name == "report_kind" and source.name in ("accidents", "disasters"):
        kinds = REPORT_KINDS_ACCIDENT if source.name == "accidents" else REPORT_KINDS_DISASTER
        return (
            "CASE "
            + " ".join(f"WHEN {typed} = {_lit(k)} THEN {_lit(v)}" for k, v in kinds.items())
            + f" ELSE {typed} END"
        )
    return typed


def _file_period_sql() -> str:
    """Per file of `files`: the end of the one period its name states (loader.file_period): a
    4-digit 19xx/20xx not inside a longer number, with an optional Q1-Q4 or 年第一季度 suffix; none
    if the name states none or several. (Not covered: a suffix followed by a digit, 2021Q12.)"""
    return r"""
        WITH m AS (
            SELECT path, unnest(regexp_extract_all(regexp_replace(path, '^.*/', ''),
                '[0-9]+(?:[-_ ]?[Qq][1-4]|年第[一二三四1-4]季度)?')) AS hit FROM files),
        p AS (
            SELECT path, hit[1:4]::INT AS y,
                coalesce(nullif(regexp_extract(hit, '[Qq]([1-4])$', 1), ''),
                         nullif(regexp_extract(hit, '年第([一二三四1-4])季度$', 1), '')) AS qraw
            FROM m WHERE regexp_full_match(hit, '(19|20)[0-9]{2}(?:[-_ ]?[Qq][1-4]|年第[一二三四1-4]季度)?')),
        one AS (SELECT path, any_value(y) AS y, any_value(qraw) AS qraw FROM (SELECT DISTINCT path, y, qraw FROM p)
                GROUP BY path HAVING count(*) = 1),
        q AS (SELECT path, y, CASE qraw WHEN '一' THEN 1 WHEN '二' THEN 2 WHEN '三' THEN 3 WHEN '四' THEN 4
                                        ELSE TRY_CAST(qraw AS INT) END AS q FROM one)
        SELECT path, CASE WHEN q IS NULL THEN make_date(y + 1, 1, 1)
                          WHEN q = 4 THEN make_date(y + 1, 1, 1) ELSE make_date(y, 3 * q + 1, 1) END AS period_end
        FROM q"""


def ingest_sql(
    drop: Path, source: Source, date_range: tuple[dt.date, dt.date], present: set[str]
) -> list[str]:
    """The statements loading one record source: files, checked rows, raw table, rejects, load log.
    `present`: the columns its files have (an optional column none has is NULL)."""
    s, prefix = source.name, f"{drop.resolve()}/"
    glob = f"{prefix}{s}/*.parquet"
    absent = ", ".join(f"NULL::VARCHAR AS {_q(c.name)}" for c in source.columns if c.name not in present)
    rules = _rules(source)
    texts = ", ".join(f"{_text(c)} AS x_{c.name}" for c in source.columns)
    typed = ", ".join(f"{_typed(c)} AS t_{c.name}" for c in source.columns)
    flags = ", ".join(f"coalesce({pred}, false) AS b{i}" for i, (pred, *_r) in enumerate(rules))
    # the rules a row fails, as a list built only for rows failing any (few): per-rule columns for
    # every row were most of the checked table's memory
    fails = ", ".join(
        f"CASE WHEN b{i} THEN {{'c': {_lit(col)}, 'r': {_lit(rule)}, 'v': CAST({bv} AS VARCHAR)}} END"
        for i, (_p, col, rule, bv) in enumerate(rules)
    )
    any_bad = " OR ".join(f"b{i}" for i in range(len(rules)))
    d = f"CAST(t_{source.date_column} AS DATE)"
    lo, hi = date_range
    released = "CAST(t_reported_at AS DATE)" if "reported_at" in source.column_names else "NULL::DATE"
    stored = ", ".join(f"{_normalised(source, c)} AS {_q(c.name)}" for c in source.columns)
    esc = "bad_value"
    for ch in CONTROL_CHARS:  # as parse_frame shows a control character: its escape
        esc = f"replace({esc}, chr({ord(ch)}), '\\x{ord(ch):02x}')"
    dups = duplicate_rejects_sql(f"(SELECT * FROM chk_{s} WHERE ok)", source).replace(
        "ORDER BY t._file_path, t._row_number", ""
    )
    return [
        f"""CREATE OR REPLACE TEMP TABLE files AS
            SELECT substr(filename, {len(prefix) + 1}) AS path, sha256(content) AS sha FROM read_blob({_lit(glob)})""",
        f"CREATE OR REPLACE TEMP TABLE periods AS {_file_period_sql()}",
        f"""CREATE OR REPLACE TABLE chk_{s} AS
            WITH src AS (
                SELECT substr(filename, {len(prefix) + 1}) AS _file_path, file_row_number + 2 AS _row_number, {texts}, {typed}
                FROM (SELECT *{", " + absent if absent else ""} FROM read_parquet({_lit(glob)}, filename = true,
                      file_row_number = true, union_by_name = true))),
            flagged AS (SELECT *, {flags} FROM src),
            parsed AS (SELECT *, NOT ({any_bad}) AS parsed_ok FROM flagged),
            regioned AS (
                SELECT p.*, p.parsed_ok AND NOT EXISTS (
                    SELECT 1 FROM regions AS r WHERE r.region_code = p.t_region_code
                    AND r.valid_from <= {d.replace("t_", "p.t_")} AND {d.replace("t_", "p.t_")} <= r.valid_to) AS region_bad
                FROM parsed AS p)
            SELECT _file_path, _row_number, {stored},
                CASE WHEN NOT parsed_ok THEN list_filter([{fails}], lambda x: x IS NOT NULL) END AS fails,
                parsed_ok, region_bad,
                parsed_ok AND NOT region_bad AND ({d} < DATE '{lo}' OR {d} >= DATE '{hi}') AS range_bad,
                parsed_ok AND NOT region_bad AND {d} >= DATE '{lo}' AND {d} < DATE '{hi}' AS ok
            FROM regioned""",
        f"CREATE OR REPLACE TEMP TABLE bad AS SELECT * FROM chk_{s} WHERE NOT ok",
        f"CREATE OR REPLACE TEMP TABLE dups AS {dups}",
        f"""INSERT INTO raw.{s} BY NAME
            SELECT {", ".join(_q(c) for c in source.column_names)}, _file_path, f.sha AS _file_sha256, _row_number,
                'floor' AS _load_id, now()::TIMESTAMP AS _loaded_at,
                {released.replace("t_reported_at", "reported_at")} AS _released_on
            FROM chk_{s} AS c JOIN files AS f ON f.path = c._file_path
            WHERE ok AND NOT EXISTS (SELECT 1 FROM dups AS d WHERE d.file_path = c._file_path AND d.row_number = c._row_number)""",
        f"""INSERT INTO raw.rejects BY NAME
            WITH r AS (
                SELECT _file_path AS file_path, _row_number AS row_number, column_name, bad_value, rule, 'error' AS severity
                FROM (SELECT _file_path, _row_number, f.c AS column_name, f.v AS bad_value, f.r AS rule
                      FROM (SELECT _file_path, _row_number, unnest(fails) AS f FROM bad))
                UNION ALL SELECT _file_path, _row_number, 'region_code', region_code, 'unknown_region', 'error'
                    FROM bad WHERE region_bad
                UNION ALL SELECT _file_path, _row_number, {_lit(source.date_column or "")}, CAST({d.replace("t_", "")} AS VARCHAR),
                    'date_out_of_range', 'error' FROM bad WHERE range_bad
                UNION ALL SELECT file_path, row_number, column_name, bad_value, rule, 'error' FROM dups
                UNION ALL SELECT c._file_path, c._row_number, {_lit(source.date_column or "")},
                    CAST({d.replace("t_", "c.")} AS VARCHAR), 'date_after_file_period', 'warning'
                    FROM chk_{s} AS c JOIN periods AS p ON p.path = c._file_path
                    WHERE c.ok AND {d.replace("t_", "c.")} >= p.period_end)
            SELECT 'floor' AS load_id, {_lit(s)} AS source, r.file_path, f.sha AS file_sha256, r.row_number,
                r.column_name, {esc} AS bad_value, r.rule, r.severity, now()::TIMESTAMP AS loaded_at
            FROM r JOIN files AS f ON f.path = r.file_path""",
        f"""INSERT INTO raw.load_log BY NAME
            WITH per_file AS (
                SELECT _file_path, count(*) AS n, count(*) FILTER (WHERE ok) AS n_ok FROM chk_{s} GROUP BY ALL),
            dup_n AS (SELECT file_path, count(*) AS n FROM dups GROUP BY ALL),
            warned AS (SELECT file_path, count(*) AS n FROM raw.rejects
                       WHERE source = {_lit(s)} AND severity = 'warning' GROUP BY ALL)
            SELECT 'floor' AS load_id, {_lit(s)} AS source, f.path AS file_path, f.sha AS file_sha256,
                'parquet' AS encoding, coalesce(p.n, 0) AS rows_read,
                coalesce(p.n_ok, 0) - coalesce(d.n, 0) AS rows_accepted,
                coalesce(p.n - p.n_ok, 0) + coalesce(d.n, 0) AS rows_rejected, 0 AS rows_other_window,
                CASE WHEN coalesce(p.n - p.n_ok, 0) + coalesce(d.n, 0) > 0 THEN 'partial' ELSE 'loaded' END AS status,
                coalesce(w.n, 0) AS rows_warned, now()::TIMESTAMP AS loaded_at
            FROM files AS f LEFT JOIN per_file AS p ON p._file_path = f.path
            LEFT JOIN dup_n AS d ON d.file_path = f.path LEFT JOIN warned AS w ON w.file_path = f.path""",
        f"DROP TABLE chk_{s}",
    ]


def _setup(con: Any) -> None:
    """Tables as the loader creates them (loader.ensure_tables: same columns and types), and the
    region validity of parse.region_validity."""
    for source in RECORD_SOURCES:
        ensure_tables(con, source)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE regions AS
            SELECT region_code, coalesce(nullif(valid_from, ''), '1900-01-01')::DATE AS valid_from,
                   coalesce(nullif(valid_to, ''), '9999-12-31')::DATE AS valid_to
            FROM read_csv({_lit(str(SEEDS / "regions.csv"))}, all_varchar = true)"""
    )


def _one_run(
    drop: Path, db: Path, date_range: tuple[dt.date, dt.date], limit: str
) -> tuple[dict[str, float], Any]:
    import duckdb

    from pipelines.ingest.loader import load_source

    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db), config={"memory_limit": limit})
    con.execute("SET enable_progress_bar = false")
    _setup(con)
    times: dict[str, float] = {}
    t_all = time.monotonic()
    for source in RECORD_SOURCES:
        if not (drop / source.name).is_dir():
            continue
        t0 = time.monotonic()
        glob = _lit(f"{drop.resolve()}/{source.name}/*.parquet")
        present = {n for (n,) in con.execute(f"SELECT DISTINCT name FROM parquet_schema({glob})").fetchall()}
        for stmt in ingest_sql(drop, source, date_range, present):
            con.execute(stmt)
        times[f"ingest_{source.name}"] = time.monotonic() - t0
    t0 = time.monotonic()
    for ref in REFERENCE_SOURCES:  # GBK CSV / XLSX: the project's loader (see the module doc)
        if (drop / ref.name).is_dir():
            load_source(con, ref, drop, "floor", window=None, date_range=date_range, progress=lambda _m: None)
    times["ingest_reference_via_loader"] = time.monotonic() - t0
    t0 = time.monotonic()
    reader = lambda s: f"(SELECT *, _file_path AS filename FROM raw.{s})"  # noqa: E731
    for mart, sql in hand_written_sql(drop, "parquet", reader=reader).items():
        con.execute(f"CREATE OR REPLACE TABLE hand_{mart} AS {sql}")
    times["marts"] = time.monotonic() - t0
    times["total"] = time.monotonic() - t_all
    return times, con


def _count(con: Any, sql: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])


def compare(con: Any, warehouse: Path, drop: Path, marts_vs_files: bool = False) -> dict[str, Any]:
    """The floor's tables against the pipeline warehouse's (attached read-only as `wh`):
    - raw.<source>: rows of the contract columns plus _file_path, _file_sha256, _row_number and
      _released_on, EXCEPT ALL both ways (not _load_id and _loaded_at); count and sum of every
      int/float column on both sides;
    - raw.rejects (file_path, row_number, column_name, bad_value, rule, severity) and raw.load_log
      (file_path, file_sha256, rows_read, rows_accepted, rows_rejected, rows_warned, status) of the
      record sources, the pipeline's latest load of each file, EXCEPT ALL both ways (not messages,
      row contents, load ids or times);
    - the marts' numbers as run_bench checks them (numbers_vs_pipeline), if the warehouse has them;
    - with marts_vs_files, the mart queries over the floor's tables against the same queries over the
      raw files (run_bench's hand-written query), row for row: for a warehouse without marts."""
    con.execute(f"ATTACH {_lit(str(warehouse))} AS wh (READ_ONLY)")
    out: dict[str, Any] = {"raw": {}}

    def both_ways(a: str, b: str) -> dict[str, int]:
        return {
            "rows_only_in_floor": _count(con, f"{a} EXCEPT ALL {b}"),
            "rows_only_in_pipeline": _count(con, f"{b} EXCEPT ALL {a}"),
        }

    have = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' UNION ALL"
            " SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'wh'"
        ).fetchall()
    }
    for source in (*RECORD_SOURCES, *REFERENCE_SOURCES):
        if f"raw.{source.name}" not in have:
            continue
        cols = ", ".join(_q(c) for c in [*source.column_names, *LINEAGE])
        nums = [c.name for c in source.columns if c.dtype in ("int", "float")]
        agg = ", ".join(["count(*)", *(f"sum({_q(c)}::DECIMAL(38, 10))::DOUBLE" for c in nums)])
        mine = con.execute(f"SELECT {agg} FROM raw.{source.name}").fetchone()
        theirs = con.execute(f"SELECT {agg} FROM wh.raw.{source.name}").fetchone()
        out["raw"][source.name] = {
            "rows": mine[0],
            "rows_pipeline": theirs[0],
            **both_ways(f"SELECT {cols} FROM raw.{source.name}", f"SELECT {cols} FROM wh.raw.{source.name}"),
            "sums_equal": {c: mine[i + 1] == theirs[i + 1] for i, c in enumerate(nums)},
        }
    names = ", ".join(_lit(s.name) for s in RECORD_SOURCES)
    latest = (
        f"SELECT * FROM wh.raw.load_log WHERE source IN ({names})"
        " QUALIFY row_number() OVER (PARTITION BY source, file_path ORDER BY loaded_at DESC) = 1"
    )
    rej = "source, file_path, row_number, column_name, bad_value, rule, severity"
    out["rejects"] = {
        "rows": _count(con, f"SELECT * FROM raw.rejects WHERE source IN ({names})"),
        **both_ways(
            f"SELECT {rej} FROM raw.rejects WHERE source IN ({names})",
            f"SELECT {rej} FROM wh.raw.rejects WHERE source IN ({names})"
            f" AND load_id IN (SELECT load_id FROM ({latest}))",
        ),
    }
    ll = "source, file_path, file_sha256, rows_read, rows_accepted, rows_rejected, rows_warned, status"
    out["load_log"] = {
        "files": _count(con, f"SELECT * FROM raw.load_log WHERE source IN ({names})"),
        **both_ways(
            f"SELECT {ll} FROM raw.load_log WHERE source IN ({names})", f"SELECT {ll} FROM ({latest})"
        ),
    }
    out["marts"] = {}
    for mart in MARTS[:2]:
        if {"intermediate.int_record_measures__periods", "marts.fct_breakdowns"} <= have:
            out["marts"][mart] = numbers_vs_pipeline(con, f"hand_{mart}", mart)
        else:
            out["marts"][mart] = "not compared: the warehouse has no marts (raw tables only)"
    con.execute("DETACH wh")
    if marts_vs_files:
        out["marts_vs_files"] = {}
        for mart, sql in hand_written_sql(drop, "parquet").items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE files_{mart} AS {sql}")
            out["marts_vs_files"][mart] = {
                "rows": _count(con, f"SELECT * FROM hand_{mart}"),
                "rows_only_over_tables": _count(con, f"FROM hand_{mart} EXCEPT ALL FROM files_{mart}"),
                "rows_only_over_files": _count(con, f"FROM files_{mart} EXCEPT ALL FROM hand_{mart}"),
            }
    out["all_equal"] = _all_equal(out)
    return out


def _all_equal(cmp: dict[str, Any]) -> bool:
    raw_ok = all(
        r["rows_only_in_floor"] == r["rows_only_in_pipeline"] == 0 and all(r["sums_equal"].values())
        for r in cmp["raw"].values()
    )
    side_ok = all(
        cmp[k]["rows_only_in_floor"] == cmp[k]["rows_only_in_pipeline"] == 0 for k in ("rejects", "load_log")
    )
    marts_ok = all(
        m["numbers_equal"] == m["numbers_compared"] and m["yoy_equal"] == m["yoy_compared"]
        for m in cmp["marts"].values()
        if isinstance(m, dict)
    )
    files_ok = all(
        m["rows_only_over_tables"] == m["rows_only_over_files"] == 0
        for m in cmp.get("marts_vs_files", {}).values()
    )
    return raw_ok and side_ok and marts_ok and files_ok


def run_floor(
    drop: Path,
    pipeline_warehouse: Path | None,
    runs: int = 1,
    work: Path | None = None,
    date_range: tuple[dt.date, dt.date] | None = None,
    marts_vs_files: bool = False,
) -> dict[str, Any]:
    """Run the floor `runs` times (a new database file each time; best of the runs per stage and
    total), then compare the last run's tables with `pipeline_warehouse` if given (`compare`)."""
    if date_range is None:
        from pipelines.lib.partitions import statistical_range

        date_range = statistical_range()
    limit = os.environ.get("SAFETY_DUCKDB_MEMORY", "1536MB")
    with tempfile.TemporaryDirectory(dir=work, prefix="floor-") as tmp:
        db = Path(tmp) / "floor.duckdb"  # a file, as the pipeline's warehouse: large drops spill
        all_runs: list[dict[str, float]] = []
        for _ in range(max(1, runs)):
            times, con = _one_run(drop, db, date_range, limit)
            all_runs.append(times)
            if len(all_runs) < runs:
                con.close()
        best = {k: round(min(r[k] for r in all_runs), 2) for k in all_runs[0]}
        stages = {k: v for k, v in best.items() if k != "total"}
        result: dict[str, Any] = {
            "drop": str(drop),
            "date_range": [str(date_range[0]), str(date_range[1])],
            "runs": runs,
            "floor_s": best["total"],
            "stage_s": stages,
            "stage_share": {k: round(v / sum(stages.values()), 3) for k, v in stages.items()},
            "runs_s": [{k: round(v, 2) for k, v in r.items()} for r in all_runs],
            "rows": dict(
                con.execute(
                    "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'raw'"
                    " AND table_name NOT IN ('file_quarters', 'load_windows') ORDER BY 1"
                ).fetchall()
            ),
        }
        if pipeline_warehouse is not None:
            result["equal_to_pipeline"] = compare(con, pipeline_warehouse, drop, marts_vs_files)
        con.close()
    return result


def to_markdown(doc: dict[str, Any]) -> str:
    m, r = doc["machine"], doc["floor"]
    lines = [
        "# Hand-written floor for the whole job / 全流程手写下限",
        "",
        f"{machine_line(m)} DuckDB memory limit {m['duckdb_memory_limit']}. {m['note']}.",
        "",
        f"Drop `{r['drop']}`: one DuckDB script (`benchmarks/floor.py`), ingest with the loader's row rules as "
        "SQL predicates (required, control characters, garbled text, types, negatives, report kinds, region code "
        "format and validity on the row's date, statistical range, duplicate keys, file-period warnings), "
        "reference sources through the project's loader (GBK CSV/XLSX), then the hand-written mart queries of "
        f"run_bench.py. Best of {r['runs']} run(s).",
        "",
        f"**Floor: {r['floor_s']} s.**",
        "",
        "| stage | s | share |",
        "|---|---|---|",
    ]
    lines += [f"| {k} | {v} | {r['stage_share'][k]:.1%} |" for k, v in r["stage_s"].items()]
    eq = r.get("equal_to_pipeline")
    if eq:
        lines += [
            "",
            f"Equal to the pipeline's warehouse: **{'yes' if eq['all_equal'] else 'NO'}**. Compared (EXCEPT ALL "
            "both ways): raw tables on the contract columns plus _file_path, _file_sha256, _row_number and "
            "_released_on (not _load_id, _loaded_at), with count and sum of every numeric column; rejects on "
            "file, row, column, bad value, rule and severity (not messages or row contents); the load log on "
            "file, sha256, rows read/accepted/rejected/warned and status; mart numbers as run_bench.py checks "
            "them, when the warehouse has marts.",
            "",
        ]
        lines += ["| table | rows | only in floor | only in pipeline | sums equal |", "|---|---|---|---|---|"]
        for t, v in eq["raw"].items():
            lines.append(
                f"| raw.{t} | {v['rows']:,} | {v['rows_only_in_floor']} | {v['rows_only_in_pipeline']} | "
                f"{'all' if all(v['sums_equal'].values()) else v['sums_equal']} |"
            )
        for t in ("rejects", "load_log"):
            v = eq[t]
            n = v.get("rows", v.get("files"))
            lines.append(
                f"| raw.{t} (records) | {n:,} | {v['rows_only_in_floor']} | {v['rows_only_in_pipeline']} | - |"
            )
        for mart, v in eq["marts"].items():
            lines.append(
                f"| {mart} numbers | {v['numbers_compared']:,} | - | {v['numbers_missing_in_pipeline']} missing | "
                f"{v['numbers_equal']:,} equal |"
                if isinstance(v, dict)
                else f"| {mart} | {v} | | | |"
            )
        for mart, v in eq.get("marts_vs_files", {}).items():
            lines.append(
                f"| {mart}: the queries over the floor's tables vs over the raw files | {v['rows']:,} | "
                f"{v['rows_only_over_tables']} | {v['rows_only_over_files']} (only over files) | - |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--drop", type=Path, required=True)
    p.add_argument("--warehouse", type=Path, help="a pipeline warehouse loaded from the same drop")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--work", type=Path, help="where the floor's database file goes (default: temp)")
    p.add_argument(
        "--marts-vs-files",
        action="store_true",
        help="also compare the marts with the hand-written queries over the raw files (a warehouse without marts)",
    )
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "floor.json")
    args = p.parse_args(argv)
    floor = run_floor(args.drop, args.warehouse, args.runs, args.work, marts_vs_files=args.marts_vs_files)
    doc = {"machine": machine(), "floor": floor}
    write_report(args.out, doc, to_markdown(doc), indent=2)
    print(json.dumps({k: doc["floor"][k] for k in ("floor_s", "stage_s")}))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
