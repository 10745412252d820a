"""Generate the embedded sample raw drop (``raw/sample``) deterministically.

    python -m pipelines.samplegen --out raw/sample [--seed 20261123] [--scale 1.0]
    python -m pipelines.samplegen --out /data/10M --records 10M --format csv|parquet   # scale mode

The scale mode (``scale.py``) writes SYNTHETIC volume only (1M-50M records, skewed, seasonal) for
benchmarks; the embedded sample below is what the tests pin.

Same seed and scale give byte-identical files. ``scale`` multiplies the record counts of the large
submitting units (广西, 温州) - the seeded figures listed in ``raw/sample/README.md`` hold only at
``scale=1.0``. Files are written month by month, so memory stays bounded at any scale.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from . import reference, sectors, spec
from .records import (
    Summary,
    generate_accidents,
    generate_disasters,
    generate_enforcement,
    generate_simple,
)
from .sinks import XlsxSink

DEFAULT_SEED = 20261123


def clean(out_dir: Path) -> None:
    """Remove previously generated data files (only *.csv / *.xlsx in the seven source folders)."""
    for source in spec.SOURCES:
        folder = out_dir / source
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and path.suffix in (".csv", ".xlsx"):
                    path.unlink()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(out_dir: Path, seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict:
    """Write a raw drop under ``out_dir``; return the manifest and the counted totals."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean(out_dir)
    XlsxSink.fmt_streaming = scale > 1.0
    summary: Summary = {}
    rows: dict[str, int] = {}
    den = reference.base_denominators(seed)
    qgdp = reference.quarterly_gdp(seed, den)
    gdp_cents = {(r, y): v for (r, m, y), v in den.items() if m == "gdp"}
    for unit in spec.RECORD_UNITS["accidents"]:
        rows.update(generate_accidents(seed, unit, out_dir, scale, summary))
    for source in ("road_traffic", "fires"):
        for unit in spec.RECORD_UNITS[source]:
            rows.update(generate_simple(seed, source, unit, out_dir, scale, summary))
    for unit in spec.RECORD_UNITS["enforcement"]:
        rows.update(generate_enforcement(seed, unit, out_dir, scale, summary))
    for unit in spec.RECORD_UNITS["disasters"]:
        rows.update(generate_disasters(seed, unit, out_dir, summary, gdp_cents))
    written, achieved = reference.generate_reference(seed, out_dir, summary, den, qgdp)
    rows.update(written)
    rows.update(sectors.write_sector_workers(seed, out_dir, den))  # 工矿商贸 workers by sector
    files = {}
    for rel in sorted(rows):
        path = out_dir / rel
        files[rel] = {"rows": rows[rel], "bytes": path.stat().st_size, "sha256": sha256(path)}
    totals: dict[str, int] = {}
    for (source, unit_code, _region, year, _month), values in summary.items():
        for measure, value in values.items():
            key = f"{source}/{unit_code}/{year}/{measure}"
            totals[key] = totals.get(key, 0) + value
    return {
        "seed": seed,
        "scale": scale,
        "files": files,
        "totals": dict(sorted(totals.items())),
        "beibei_rate_changes": achieved,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.samplegen", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (e.g. raw/sample)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies record counts of 广西 and 温州")
    parser.add_argument(
        "--records",
        help="scale mode: about this many SYNTHETIC record rows in all (1M, 10M, 50M), "
        "see pipelines/samplegen/scale.py; the embedded sample's options are then ignored",
    )
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="scale mode: GBK CSV or Parquet"
    )
    parser.add_argument(
        "--official-twins",
        type=Path,
        help="also write official-layout twins of some files (docs/official_forms.md) to this folder "
        "(e.g. tests/fixtures/official_forms)",
    )
    args = parser.parse_args(argv)
    if args.records:
        from .scale import generate_scale, parse_count

        written = generate_scale(args.out, parse_count(args.records), args.format, args.seed)
        print(f"wrote {sum(written.values())} SYNTHETIC record rows {written} to {args.out}")
        return 0
    result = generate(args.out, seed=args.seed, scale=args.scale)
    n_rows = sum(f["rows"] for f in result["files"].values())
    n_bytes = sum(f["bytes"] for f in result["files"].values())
    print(f"wrote {len(result['files'])} files, {n_rows} rows, {n_bytes / 1e6:.2f} MB to {args.out}")
    if args.official_twins:
        from .official import write_twins  # reads the files just written, through the ingest reader

        twins = write_twins(args.out, args.official_twins)
        print(f"wrote {len(twins)} official-layout twins to {args.official_twins}")
    return 0
