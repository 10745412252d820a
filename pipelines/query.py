"""Read-only queries on the published serving copy (never the writer's file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.settings import serving_path


def connect_serving(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    path = path or serving_path()
    if not path.exists():
        raise SystemExit(
            f"没有找到已发布的数据库 {path},请先运行 safety-stats refresh / "
            f"No published serving copy at {path}: run `safety-stats refresh` first"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SystemExit(
            f"已发布的数据库 {path} 已损坏或不完整({str(exc).splitlines()[0][:200]})。"
            "恢复:运行 safety-stats refresh 重新发布(数据仓库不受影响)/ "
            f"The published serving copy {path} is damaged or incomplete. To recover run "
            "`safety-stats refresh`: it publishes a new copy from the warehouse"
        ) from None


def query_indicators(
    regions: list[str] | None = None,
    indicators: list[str] | None = None,
    period_types: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    periods: list[str] | None = None,
    database: Path | None = None,
) -> list[dict[str, Any]]:
    where: list[str] = ["true"]
    params: list[Any] = []
    if regions:
        where.append("(region_code IN (SELECT unnest(?)) OR region_name_zh IN (SELECT unnest(?)))")
        params += [regions, regions]
    if indicators:
        where.append("indicator_code IN (SELECT unnest(?))")
        params.append(indicators)
    if period_types:
        where.append("period_type IN (SELECT unnest(?))")
        params.append(period_types)
    if periods:
        where.append("period IN (SELECT unnest(?))")
        params.append(periods)
    if year_from is not None:
        where.append("year >= ?")
        params.append(year_from)
    if year_to is not None:
        where.append("year <= ?")
        params.append(year_to)
    sql = (
        "SELECT * FROM marts.fct_indicator_values WHERE "
        + " AND ".join(where)
        + " ORDER BY region_code, display_order, indicator_code, period_type, period"
    )
    con = connect_serving(database)
    try:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
