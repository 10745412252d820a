"""The scalar SQL functions of pipelines/dbt_udfs.py (named in pipelines.lib.sql_functions) as
Spark pandas UDFs, over the same pipelines.lib functions (one implementation of the statistics).
DOUBLE in, DOUBLE out; a NULL or invalid argument gives NULL (NaN -> NULL), as on DuckDB.
Spark's Python workers import pipelines.lib, so PYTHONPATH must reach them
(pipelines/spark/session.py sets it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from pipelines.lib.sql_functions import ARITY


def _floats(series: pd.Series) -> np.ndarray:
    return np.asarray(series.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)


def compute(name: str, *columns: np.ndarray) -> np.ndarray:
    """The function `name` on float arrays (NaN for NULL): the body of each UDF, also callable
    without Spark (tests/test_spark_target.py compares it with the DuckDB UDFs)."""
    from pipelines.lib.dispersion import calibrated_dispersion, dispersed_rate_ratio_test, gamma_limits
    from pipelines.lib.poisson import poisson_limits

    if name in ("poisson_ci_low", "poisson_ci_high"):
        counts = columns[0]
        distinct, back = np.unique(counts, return_inverse=True)
        low, high = poisson_limits(distinct)
        return np.asarray(low if name == "poisson_ci_low" else high)[back]
    if name in ("dispersed_ci_low", "dispersed_ci_high"):
        low, high = gamma_limits(columns[0], columns[1], columns[2])
        return np.asarray(low if name == "dispersed_ci_low" else high)
    if name.startswith("dispersed_rr_"):
        test = dispersed_rate_ratio_test(*columns[:6])  # type: ignore[arg-type]
        pick = {
            "dispersed_rr_ci_low": "low",
            "dispersed_rr_ci_high": "high",
            "dispersed_rr_p_value": "p_value",
        }
        return np.asarray(getattr(test, pick[name]))
    if name == "calibrated_dispersion":
        return np.asarray(calibrated_dispersion(columns[0], columns[1]))
    raise KeyError(name)


def _series(name: str, *series: pd.Series) -> pd.Series:
    out = compute(name, *(_floats(s) for s in series))
    return pd.Series(np.asarray(out, dtype=np.float64))


def _udf(name: str) -> Callable[..., pd.Series]:
    """A function with one pd.Series parameter per argument: pandas_udf reads its type hints."""
    arity = ARITY[name]
    if arity == 1:

        def one(a: pd.Series) -> pd.Series:
            return _series(name, a)

        return one
    if arity == 2:

        def two(a: pd.Series, b: pd.Series) -> pd.Series:
            return _series(name, a, b)

        return two
    if arity == 3:

        def three(a: pd.Series, b: pd.Series, c: pd.Series) -> pd.Series:
            return _series(name, a, b, c)

        return three

    def six(a: pd.Series, b: pd.Series, c: pd.Series, d: pd.Series, e: pd.Series, f: pd.Series) -> pd.Series:
        return _series(name, a, b, c, d, e, f)

    return six


def register(spark: Any) -> list[str]:
    """Registers every function as a temporary function of the SparkSession `spark`."""
    from pyspark.sql.functions import pandas_udf

    for name in ARITY:
        spark.udf.register(name, pandas_udf(_udf(name), "double"))  # type: ignore[call-overload]
    return list(ARITY)
