"""工矿商贸 workers by sector (SYNTHETIC): the denominators of the sector-mix standardisation.

One file per submitting unit, ``denominators/<code>_<short>_工矿商贸分行业就业_2015-2025``, in the
unit's own format: the long format with the optional ``sector`` column, measure imc_employees.
The sectors of a year add up exactly (in the published 0.01万人) to the unit's total imc_employees
of the existing yearbook file, which stays byte-identical.

Workers are split by the unit's accident sector mix (``spec.SECTOR_MIX``) divided by a relative
death risk per sector: sector death rates then differ as in real statistics (mines far above
trade), so regions with different mixes have crude and standardised rates that differ. A 工矿商贸
sector absent from a unit's mix is published as 0 workers (the sector does not exist there, which
the standardisation handles), and so are 北碚's coal mines after their closure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from . import spec
from .headers import COLUMNS, headers_for
from .reference import DENOM_YEARS, _units, fmt, level_of, release_date
from .sinks import open_sink
from .util import rng_for

# sector name_zh -> relative death risk per worker (SYNTHETIC; order of magnitude only)
SECTOR_RISK = {
    "煤矿": 12.0,
    "金属非金属矿山": 6.0,
    "危险化学品": 3.0,
    "烟花爆竹": 5.0,
    "建筑业": 2.0,
    "工贸行业": 1.0,
}
SECTOR_CODE = {
    "煤矿": "coal_mine",
    "金属非金属矿山": "metal_nonmetal_mine",
    "危险化学品": "hazardous_chemicals",
    "烟花爆竹": "fireworks",
    "建筑业": "construction",
    "工贸行业": "industry_trade",
}
UNITS = (spec.GX, spec.WZ, spec.LD, spec.YG, spec.BB)
STYLE = {"450000": "province", "330300": "city", "331102": "en", "371521": "yanggu", "500109": "county"}


def split(total: int, shares: np.ndarray) -> np.ndarray:
    """Integer split of ``total`` by ``shares`` with the exact sum (largest remainder)."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


def sector_workers(seed: int, den: dict, unit: spec.Unit) -> dict[tuple[int, str], int]:
    """(year, sector name_zh) -> workers in hundredths of 万人; sums to the unit's total."""
    mix = spec.SECTOR_MIX[unit.code]
    names = list(SECTOR_RISK)
    base = np.array([mix.get(s, 0) / SECTOR_RISK[s] for s in names])
    rng = rng_for(seed, "imc-sector-workers", unit.code)
    out: dict[tuple[int, str], int] = {}
    for year in DENOM_YEARS:
        shares = base * np.exp(rng.normal(0, 0.03, len(names)))
        closed = spec.COAL_LAST_YEAR.get(unit.code)
        if closed is not None and year > closed:
            shares[names.index("煤矿")] = 0.0
        parts = split(den[(unit.code, "imc_employees", year)], shares)
        out.update({(year, s): int(v) for s, v in zip(names, parts, strict=True)})
    return out


def write_sector_workers(seed: int, out_dir: Path, den: dict) -> dict[str, int]:
    written: dict[str, int] = {}
    for unit in UNITS:
        style = STYLE[unit.code]
        unit_name, decimals, divisor = _units(style)["imc_employees"]
        english = unit.fmt.headers == "en"
        workers = sector_workers(seed, den, unit)
        data = sorted(workers.items())
        df = pl.DataFrame(
            {
                "region_code": [unit.code] * len(data),
                "period": [str(y) for (y, _s), _v in data],
                "measure": ["imc_employees" if english else "工矿商贸就业人员"] * len(data),
                "sector": [SECTOR_CODE[s] if english else s for (_y, s), _v in data],
                "value": [fmt(v / divisor, decimals) for _k, v in data],
                "unit": [unit_name] * len(data),
                "released_on": pl.Series(
                    [release_date(seed, unit.code, y, level_of(unit.code)) for (y, _s), _v in data],
                    dtype=pl.Date,
                ),
                "source": [f"SYNTHETIC sample ({unit.short}统计局 style; 工矿商贸分行业就业)"] * len(data),
                "note": pl.Series([None] * len(data), dtype=pl.String),
            }
        )
        if unit.fmt.ext == "xlsx":
            df = df.with_columns(pl.col("value").cast(pl.Float64))
        rel = f"denominators/{unit.code}_{unit.short}_工矿商贸分行业就业_2015-2025.{unit.fmt.ext}"
        sink = open_sink(out_dir / rel, unit.fmt, COLUMNS["long_sector"], headers_for(unit, "long_sector"))
        sink.write(df)
        sink.close()
        written[rel] = df.height
    return written
