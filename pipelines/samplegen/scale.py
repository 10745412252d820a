"""SYNTHETIC record drops at national scale (1M, 10M, 50M records) for the benchmarks.

    python -m pipelines.samplegen --out /work/scale-data/10M --records 10M --format csv|parquet

Unlike ``raw/sample`` (hand-tuned to reproduce seeded figures), this writes only volume with a
realistic shape, vectorised with numpy so 50M records stay feasible on a laptop:

- **who submits**: one file per province-level unit (31 provincial departments), record source
  and quarter, ``<province code>_<name>_<YYYY>Q<q>.<ext>`` - the shape of a ministry's drop.
  A unit's records carry the region codes below it in the region seed (cities/counties where
  the seed lists them, else the province itself).
- **skew**: province sizes follow a Zipf law (exponent 1.1) over a seeded random order -
  a few large provinces, many small; leaves within a province are log-normal.
- **mix** (per year, like a national bureau): ~2M enforcement inspections, ~800k fires,
  ~250k road-traffic casualty accidents, ~25k production-safety accident reports, ~15k
  disaster reports, scaled so the total matches ``--records``.
- **season and trend**: fires peak in winter/spring, road accidents in Q3-Q4, disasters in
  summer, inspections dip in Q1 (Spring Festival); accidents decline ~4 % a year,
  inspections grow ~6 % a year.
- **revisions**: ~12 % of accidents get a 补报 (late report, more casualties) in the file of the
  quarter it is reported in (often the next quarter), 1 % of which correct the occurrence date
  across a quarter boundary; ~2 % are written off (核销) later. Disasters get 初报, then 续报
  and 核报 in later files. So adding a quarter's files revises earlier quarters, as in life.
- **formats**: ``csv`` = GBK with Chinese headers (what Chinese Excel exports), ``parquet`` =
  typed columns with canonical names.

Reference sources (denominators, report tables) are copied from ``raw/sample``. Same seed and
size give the same records. Data: 2016Q1-2026Q3, like the sample.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.lib.contracts import SOURCES_BY_NAME

from . import spec

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "dbt_project" / "seeds"
SAMPLE = ROOT / "raw" / "sample"
RECORD_SOURCES = ("accidents", "road_traffic", "fires", "disasters", "enforcement")
QUARTERS = [(y, q) for y in range(spec.FIRST_YEAR, spec.LAST_YEAR + 1) for q in range(1, 5)][:-1]  # to 2026Q3
# rows per year nationally; only the proportions matter
MIX = {
    "enforcement": 2_000_000,
    "fires": 800_000,
    "road_traffic": 250_000,
    "accidents": 25_000,
    "disasters": 15_000,
}
SEASON = {
    "fires": (1.35, 0.85, 0.8, 1.0),
    "road_traffic": (0.9, 0.95, 1.05, 1.1),
    "disasters": (0.4, 1.1, 1.9, 0.6),
    "enforcement": (0.75, 1.1, 1.05, 1.1),
    "accidents": (0.85, 1.05, 1.05, 1.05),
}
TREND = {"accidents": -0.04, "enforcement": 0.06, "fires": 0.0, "road_traffic": -0.01, "disasters": 0.0}


def parse_count(text: str) -> int:
    """'10M', '1.5m', '250k', '50000' -> int."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"not a record count: {text!r}")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()])


@cache
def _seed(name: str) -> tuple[dict[str, str], ...]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


@dataclass(frozen=True)
class Province:
    code: str
    short: str
    leaves: tuple[str, ...]
    leaf_p: np.ndarray
    leaf_from: tuple[dt.date, ...]  # a region only has records once it exists (valid_from)


def _regions(rng: np.random.Generator, p: Province, y: int, q: int, n: int) -> np.ndarray:
    """n region codes of the province's leaves that exist in quarter (y, q), by leaf weight."""
    start = dt.date(y, 3 * q - 2, 1)
    w = p.leaf_p * np.array([f <= start for f in p.leaf_from])
    if not w.sum():
        return np.full(n, p.code, dtype=object)
    return np.array(p.leaves, dtype=object)[rng.choice(len(p.leaves), n, p=w / w.sum())]


def provinces(rng: np.random.Generator) -> tuple[list[Province], np.ndarray]:
    """Province units with their leaf regions, and Zipf weights in a seeded random order."""
    rows = [r for r in _seed("regions") if not r["valid_to"]]
    children: dict[str, list[str]] = {}
    valid_from = {r["region_code"]: r["valid_from"] or "1900-01-01" for r in rows}
    for r in rows:
        children.setdefault(r["parent_code"], []).append(r["region_code"])

    def leaves(code: str) -> list[str]:
        kids = children.get(code, [])
        return [leaf for k in kids for leaf in leaves(k)] if kids else [code]

    out = []
    for r in rows:
        if r["level"] != "province":
            continue
        lv = leaves(r["region_code"])
        w = rng.lognormal(0.0, 0.8, len(lv))
        short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", r["name_zh"])
        since = tuple(dt.date.fromisoformat(valid_from[c]) for c in lv)
        out.append(Province(r["region_code"], short, tuple(lv), w / w.sum(), since))
    ranks = rng.permutation(len(out)) + 1
    zipf = 1.0 / ranks**1.1
    return out, zipf / zipf.sum()


def quarter_weights(source: str) -> np.ndarray:
    w = np.array([SEASON[source][q - 1] * (1 + TREND[source]) ** (y - spec.FIRST_YEAR) for y, q in QUARTERS])
    return w / w.sum()


def _quarter_bounds(y: int, q: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(y, 3 * q - 2, 1)
    end = dt.datetime(y + 1, 1, 1) if q == 4 else dt.datetime(y, 3 * q + 1, 1)
    return start, end


def _times(rng: np.random.Generator, y: int, q: int, n: int) -> np.ndarray:
    """n datetimes (seconds precision, on the minute) uniformly within the quarter."""
    start, end = _quarter_bounds(y, q)
    minutes = int((end - start).total_seconds() // 60)
    offs = np.sort(rng.integers(0, minutes, n))
    return (np.datetime64(start, "m") + offs.astype("timedelta64[m]")).astype("datetime64[us]")


@cache
def _names(seed: str) -> list[str]:
    return [r["name_zh"] for r in _seed(seed) if not r.get("valid_to")]


def _pick(rng: np.random.Generator, values: list[str] | dict[str, int], n: int) -> np.ndarray:
    if isinstance(values, dict):
        keys, w = list(values), np.array(list(values.values()), dtype=float)
        return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=w / w.sum())]
    return np.array(values, dtype=object)[rng.integers(0, len(values), n)]


Builder = Callable[[np.random.Generator, Province, int, int, int, str], dict[str, pl.DataFrame]]


def _accidents(
    rng: np.random.Generator, p: Province, y: int, q: int, n: int, prefix: str
) -> dict[str, pl.DataFrame]:
    """Initial reports occurring in (y, q); late reports and write-offs dated later (own files)."""
    n_events = max(1, round(n / 1.14))
    occ = _times(rng, y, q, n_events)
    ids = np.array([f"{prefix}{i:07d}" for i in range(n_events)], dtype=object)
    region = _regions(rng, p, y, q, n_events)
    deaths = rng.choice(
        [0, 1, 2, 3, 4, 5, 7, 11], n_events, p=[0.25, 0.55, 0.1, 0.05, 0.02, 0.015, 0.01, 0.005]
    )
    base = pl.DataFrame(
        {
            "accident_id": ids,
            "occurred_at": occ,
            "region_code": region,
            "sector": _pick(rng, [s for s in _names("sectors")], n_events),
            "category": _pick(rng, _names("accident_categories"), n_events),
            "deaths": deaths,
            "missing": (rng.random(n_events) < 0.02).astype(np.int64),
            "serious_injuries": rng.poisson(0.3, n_events),
            "injuries": rng.poisson(0.8, n_events),
            "direct_loss": np.round(rng.lognormal(3.0, 1.2, n_events), 2),
            "special_equipment": rng.random(n_events) < 0.04,
        },
        schema_overrides={"occurred_at": pl.Datetime("us")},
    )
    delay = pl.duration(hours=pl.lit(pl.Series(rng.integers(1, 48, n_events))))
    initial = base.with_columns(
        pl.lit("快报").alias("report_kind"),
        (pl.col("occurred_at") + delay).alias("reported_at"),
        pl.lit(None, dtype=pl.Utf8).alias("write_off_reason"),
    )
    late_mask = rng.random(n_events) < 0.12
    late = base.filter(pl.Series(late_mask))
    k = late.height
    shift = np.where(rng.random(k) < 0.01, rng.integers(-20, 20, k), 0)  # a corrected date
    late = late.with_columns(
        (pl.col("deaths") + pl.Series(rng.integers(0, 2, k))).alias("deaths"),
        (pl.col("occurred_at") + pl.duration(days=pl.lit(pl.Series(shift)))).alias("occurred_at"),
        pl.lit("补报").alias("report_kind"),
        (pl.col("occurred_at") + pl.duration(days=pl.lit(pl.Series(rng.integers(10, 80, k))))).alias(
            "reported_at"
        ),
        pl.lit(None, dtype=pl.Utf8).alias("write_off_reason"),
    )
    wo_mask = (rng.random(n_events) < 0.02) & ~late_mask
    wo = base.filter(pl.Series(wo_mask)).with_columns(
        pl.lit("核销").alias("report_kind"),
        (
            pl.col("occurred_at")
            + pl.duration(days=pl.lit(pl.Series(rng.integers(20, 120, int(wo_mask.sum())))))
        ).alias("reported_at"),
        pl.lit("经调查不属于生产安全事故").alias("write_off_reason"),
    )
    return _by_report_quarter(pl.concat([initial, late, wo]), "reported_at")


def _disasters(
    rng: np.random.Generator, p: Province, y: int, q: int, n: int, prefix: str
) -> dict[str, pl.DataFrame]:
    n_events = max(1, round(n / 2.2))
    start = _times(rng, y, q, n_events).astype("datetime64[D]")
    hazards = _names("hazards")
    sev = rng.lognormal(0, 1.3, n_events)
    region = _regions(rng, p, y, q, n_events)
    base = pl.DataFrame(
        {
            "event_id": [f"{prefix}{i:06d}" for i in range(n_events)],
            "hazard": _pick(rng, hazards, n_events),
            "region_code": region,
            "started_on": start,
        }
    )
    parts = []
    for kind, share, lag, grow in (
        ("初报", 1.0, (1, 5), 0.6),
        ("续报", 0.7, (5, 20), 0.9),
        ("核报", 0.5, (20, 60), 1.0),
    ):
        m = pl.Series(rng.random(n_events) < share) if share < 1 else pl.Series([True] * n_events)
        b = base.filter(m)
        s = sev[m.to_numpy()] * grow
        k = b.height
        parts.append(
            b.with_columns(
                pl.lit(kind).alias("report_kind"),
                (
                    pl.col("started_on").cast(pl.Datetime("us"))
                    + pl.duration(days=pl.lit(pl.Series(rng.integers(*lag, k))), hours=9)
                ).alias("reported_at"),
                pl.Series("affected_person_times", np.round(s * 3000).astype(np.int64)),
                pl.Series("deaths", rng.poisson(s * 0.05)),
                pl.Series("missing", rng.poisson(s * 0.01)),
                pl.Series("relocated", np.round(s * 300).astype(np.int64)),
                pl.Series("crop_affected_ha", np.round(s * 500, 1)),
                pl.Series("crop_failed_ha", np.round(s * 50, 1)),
                pl.Series("collapsed_houses", rng.poisson(s * 2)),
                pl.Series("damaged_houses", rng.poisson(s * 20)),
                pl.Series("direct_loss", np.round(s * 800, 2)),
                pl.Series("burned_forest_ha", np.zeros(k)),
            )
        )
    return _by_report_quarter(pl.concat(parts), "reported_at")


def _fires(
    rng: np.random.Generator, p: Province, y: int, q: int, n: int, prefix: str
) -> dict[str, pl.DataFrame]:
    return {
        f"{y}Q{q}": pl.DataFrame(
            {
                "fire_id": [f"{prefix}{i:07d}" for i in range(n)],
                "occurred_at": _times(rng, y, q, n),
                "region_code": _regions(rng, p, y, q, n),
                "place_type": _pick(rng, spec.FIRE_PLACES, n),
                "cause": _pick(rng, spec.FIRE_CAUSES, n),
                "deaths": rng.choice([0, 1, 2], n, p=[0.997, 0.0025, 0.0005]),
                "injuries": rng.choice([0, 1, 2], n, p=[0.995, 0.004, 0.001]),
                "direct_loss": np.round(rng.lognormal(-0.5, 1.5, n), 2),
            },
            schema_overrides={"occurred_at": pl.Datetime("us")},
        )
    }


def _road(
    rng: np.random.Generator, p: Province, y: int, q: int, n: int, prefix: str
) -> dict[str, pl.DataFrame]:
    from .records import VEHICLES

    return {
        f"{y}Q{q}": pl.DataFrame(
            {
                "accident_id": [f"{prefix}{i:07d}" for i in range(n)],
                "occurred_at": _times(rng, y, q, n),
                "region_code": _regions(rng, p, y, q, n),
                "deaths": rng.choice([0, 1, 2, 3], n, p=[0.75, 0.2, 0.04, 0.01]),
                "injuries": rng.poisson(1.1, n),
                "direct_loss": np.round(rng.lognormal(-0.3, 1.0, n), 2),
                "vehicle_kinds": _pick(rng, VEHICLES, n),
                "operating_vehicle": rng.random(n) < 0.18,
            },
            schema_overrides={"occurred_at": pl.Datetime("us")},
        )
    }


def _enforcement(
    rng: np.random.Generator, p: Province, y: int, q: int, n: int, prefix: str
) -> dict[str, pl.DataFrame]:
    found = rng.poisson(2.5, n)
    penalty = rng.random(n) < 0.12
    return {
        f"{y}Q{q}": pl.DataFrame(
            {
                "inspection_id": [f"{prefix}{i:08d}" for i in range(n)],
                "inspected_on": _times(rng, y, q, n).astype("datetime64[D]"),
                "region_code": _regions(rng, p, y, q, n),
                "sector": _pick(rng, _names("sectors"), n),
                "credit_code": [f"91{p.code}{i:010d}" for i in rng.integers(0, 10**9, n)],
                "inspection_kind": _pick(rng, spec.INSPECTION_KINDS, n),
                "hazards_found": found,
                "hazards_major_found": rng.binomial(found, 0.02),
                "hazards_rectified": rng.binomial(found, 0.93),
                "penalty": penalty,
                "fine": np.where(penalty, np.round(rng.lognormal(0.5, 1.0, n), 2), 0.0),
                "suspension": rng.random(n) < 0.01,
                "closure": rng.random(n) < 0.002,
                "judicial_transfer": rng.random(n) < 0.001,
            }
        )
    }


def _by_report_quarter(frame: pl.DataFrame, col: str) -> dict[str, pl.DataFrame]:
    """Rows go in the file of the quarter they were reported in (none after the data end)."""
    frame = frame.filter(pl.col(col) <= spec.CUTOFF).with_columns(
        pl.format("{}Q{}", pl.col(col).dt.year(), pl.col(col).dt.quarter()).alias("__q")
    )
    return {k[0]: g.drop("__q") for k, g in frame.group_by("__q")}  # type: ignore[misc]


BUILDERS: dict[str, Builder] = {
    "accidents": _accidents,
    "road_traffic": _road,
    "fires": _fires,
    "disasters": _disasters,
    "enforcement": _enforcement,
}
PREFIX = {"accidents": "A", "road_traffic": "R", "fires": "F", "disasters": "D", "enforcement": "E"}


def _write(frame: pl.DataFrame, path: Path, source: str, fmt: str) -> None:
    cols = SOURCES_BY_NAME[source].column_names
    frame = frame.select([c for c in cols if c in frame.columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
        return
    contract = SOURCES_BY_NAME[source]
    headers = {c.name: (c.zh[0] if c.zh else c.name) for c in contract.columns if c.name in frame.columns}
    text = (
        frame.with_columns(
            pl.col(pl.Boolean).replace_strict({True: "是", False: "否"}, return_dtype=pl.Utf8),
        )
        .rename(headers)
        .write_csv(datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d", line_terminator="\r\n")
    )
    path.write_bytes(text.encode("gbk"))


def generate_scale(out_dir: Path, records: int, fmt: str = "csv", seed: int = 20261123) -> dict[str, int]:
    """Write a drop of about ``records`` record rows; returns rows written per source."""
    if fmt not in ("csv", "parquet"):
        raise ValueError("format must be csv or parquet")
    out_dir = Path(out_dir)
    for source in RECORD_SOURCES:
        if (out_dir / source).is_dir():
            shutil.rmtree(out_dir / source)
    for ref in ("denominators", "reports"):
        if (out_dir / ref).is_dir():
            shutil.rmtree(out_dir / ref)
        shutil.copytree(SAMPLE / ref, out_dir / ref)
    rng = np.random.default_rng(seed)
    units, unit_w = provinces(rng)
    total = sum(MIX.values())
    written: dict[str, int] = {}
    for s_idx, source in enumerate(RECORD_SOURCES):
        n_source = round(records * MIX[source] / total)
        # rows per (province, quarter): multinomial over the product of the two weights
        cells = rng.multinomial(n_source, np.outer(unit_w, quarter_weights(source)).ravel()).reshape(
            len(units), len(QUARTERS)
        )
        buckets: dict[tuple[str, str], list[pl.DataFrame]] = {}
        for u_idx, unit in enumerate(units):
            for q_idx, (y, q) in enumerate(QUARTERS):
                n = int(cells[u_idx, q_idx])
                if n == 0:
                    continue
                sub = np.random.default_rng([seed, s_idx, u_idx, q_idx])
                prefix = f"{PREFIX[source]}{unit.code[:2]}{y}{q}"
                for label, frame in BUILDERS[source](sub, unit, y, q, n, prefix).items():
                    buckets.setdefault((unit.code, label), []).append(frame)
            # write this unit's files now, so memory holds one unit at a time
            for (code, label), frames in sorted(buckets.items()):
                frame = pl.concat(frames, how="vertical_relaxed").sort(SOURCES_BY_NAME[source].date_column)  # type: ignore[arg-type]
                ext = "parquet" if fmt == "parquet" else "csv"
                _write(frame, out_dir / source / f"{code}_{unit.short}_{label}.{ext}", source, fmt)
                written[source] = written.get(source, 0) + frame.height
            buckets.clear()
    (out_dir / "README.md").write_text(
        f"# 合成数据 / SYNTHETIC scale drop\n\nGenerated by `python -m pipelines.samplegen --records {records} "
        f"--format {fmt} --seed {seed}`: {sum(written.values())} record rows ({written}). "
        "Not real statistics. Reference files copied from raw/sample.\n",
        encoding="utf-8",
    )
    return written
