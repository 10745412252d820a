"""dbt-duckdb plugin: registers the exact Poisson functions of `pipelines.lib.poisson` as
vectorised (Arrow) scalar UDFs on every dbt connection, so the marts stay SQL.

DuckDB has no chi-square or beta quantile functions; scipy has. Registered in
dbt_project/profiles.yml (`plugins: - module: pipelines.dbt_udfs`), so `dbt build`, dbt unit
tests, the Dagster dbt assets and `safety-stats indicators --as-of` all get them. 95% level.

    poisson_ci_low(n), poisson_ci_high(n)            exact (Garwood) limits for a Poisson mean
    dispersed_ci_low(y, v, w_max), ..._high          Fay–Feuer gamma limits, variance v
    dispersed_rr_ci_low(n1, e1, d1, n0, e0, d0), ..._ci_high, dispersed_rr_p_value
                                                     the rate-ratio test on effective counts n/d
                                                     (pipelines.lib.dispersion; with d = 1 the
                                                     exact conditional Poisson test)
    calibrated_dispersion(phi, pairs)                φ̂ × (t(0.975; pairs) / 1.96)²
A NULL or invalid argument gives NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.func import FunctionNullHandling, PythonUDFType
from duckdb.sqltypes import DOUBLE

from pipelines.lib.dispersion import calibrated_dispersion, dispersed_rate_ratio_test, gamma_limits
from pipelines.lib.poisson import poisson_limits
from pipelines.lib.sql_functions import ARITY


def _floats(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)


def _out(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.float64(), from_pandas=True)  # NaN -> NULL


# DuckDB calls each function once per vector of rows, and the SQL asks for the low limit, the
# high limit and the p-value of the same rows in separate calls: the last vector's results are
# kept, so each test runs once per vector rather than three times.
_last: dict[str, tuple[bytes, object]] = {}


def _cached(family: str, args: tuple[np.ndarray, ...], compute: Callable[[], object]) -> object:
    key = b"".join(a.tobytes() for a in args)
    hit = _last.get(family)
    if hit is not None and hit[0] == key:
        return hit[1]
    result = compute()
    _last[family] = (key, result)
    return result


def _limits(n: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    counts = _floats(n)
    # counts repeat a lot (small regions, zero quarters): compute each distinct count once
    distinct, back = np.unique(counts, return_inverse=True)
    limits = _cached("limits", (counts,), lambda: poisson_limits(distinct))
    low, high = cast(tuple[np.ndarray, np.ndarray], limits)
    return np.asarray(low)[back], np.asarray(high)[back]


def poisson_ci_low(n: pa.Array) -> pa.Array:
    return _out(_limits(n)[0])


def poisson_ci_high(n: pa.Array) -> pa.Array:
    return _out(_limits(n)[1])


def _gamma(pick: int) -> Callable[[pa.Array, pa.Array, pa.Array], pa.Array]:
    def udf(y: pa.Array, v: pa.Array, w_max: pa.Array) -> pa.Array:
        args = (_floats(y), _floats(v), _floats(w_max))
        result = _cached("gamma", args, lambda: gamma_limits(*args))
        return _out(cast(tuple[np.ndarray, np.ndarray], result)[pick])

    return udf


def _drr(pick: str) -> Callable[..., pa.Array]:
    def udf(n1: pa.Array, e1: pa.Array, d1: pa.Array, n0: pa.Array, e0: pa.Array, d0: pa.Array) -> pa.Array:
        args = (_floats(n1), _floats(e1), _floats(d1), _floats(n0), _floats(e0), _floats(d0))
        result = _cached("dispersed_rate_ratio", args, lambda: dispersed_rate_ratio_test(*args))
        return _out(getattr(result, pick))

    return udf


def _calibrated(phi: pa.Array, pairs: pa.Array) -> pa.Array:
    return _out(calibrated_dispersion(_floats(phi), _floats(pairs)))


# the body of each function of pipelines.lib.sql_functions.ARITY (its argument count from there)
FUNCTIONS: dict[str, Callable[..., pa.Array]] = {
    "poisson_ci_low": poisson_ci_low,
    "poisson_ci_high": poisson_ci_high,
    "dispersed_ci_low": _gamma(0),
    "dispersed_ci_high": _gamma(1),
    "dispersed_rr_ci_low": _drr("low"),
    "dispersed_rr_ci_high": _drr("high"),
    "dispersed_rr_p_value": _drr("p_value"),
    "calibrated_dispersion": _calibrated,
}


def register(conn: DuckDBPyConnection) -> None:
    """Registers every function on a DuckDB connection (also used by tests and notebooks)."""
    for name, arity in ARITY.items():
        conn.create_function(
            name,
            FUNCTIONS[name],
            [DOUBLE] * arity,
            DOUBLE,
            type=PythonUDFType.ARROW,
            null_handling=FunctionNullHandling.SPECIAL,
            side_effects=False,
        )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
