"""An older warehouse's marts are brought to the column types the contracts now declare before
an incremental build compares them (dbt_project/macros/upgrade_column_types.sql, on-run-start):
n_records was DuckDB's HUGEINT (sum()) and is BIGINT, one type every engine has."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.conftest import run_dbt

MARTS = ("fct_breakdowns", "fct_indicator_values")


def n_records_types(wh: Path) -> dict[str, str]:
    with duckdb.connect(str(wh), read_only=True) as con:
        rows = con.execute(
            "select table_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and column_name = 'n_records' order by table_name"
        ).fetchall()
    return {t: d for t, d in rows if t in MARTS}


def test_an_old_warehouse_gets_the_declared_types_and_keeps_its_rows(
    national_warehouse: Path, tmp_path: Path
) -> None:
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(national_warehouse, wh)
    with duckdb.connect(str(wh)) as con:
        counts = {t: con.execute(f"select count(*), sum(n_records) from marts.{t}").fetchall() for t in MARTS}
        for t in MARTS:  # as an older build wrote them
            con.execute(f"alter table marts.{t} alter column n_records type hugeint")
    assert n_records_types(wh) == dict.fromkeys(MARTS, "HUGEINT")

    # any dbt command that runs models runs the on-run-start hook; a seed-only model is enough
    proc = run_dbt("run", "--select", "int_regions__closure", warehouse=wh, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    for t in MARTS:
        assert f"upgrading marts.{t}.n_records HUGEINT -> bigint" in proc.stdout
    assert n_records_types(wh) == dict.fromkeys(MARTS, "BIGINT")
    with duckdb.connect(str(wh), read_only=True) as con:
        assert {
            t: con.execute(f"select count(*), sum(n_records) from marts.{t}").fetchall() for t in MARTS
        } == counts

    # a current warehouse: nothing to upgrade, nothing said
    again = run_dbt("run", "--select", "int_regions__closure", warehouse=wh, tmp_path=tmp_path)
    assert again.returncode == 0, again.stdout[-4000:]
    assert "upgrading marts." not in again.stdout
    assert n_records_types(wh) == dict.fromkeys(MARTS, "BIGINT")
