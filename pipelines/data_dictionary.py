"""数据字典 / Data dictionary: `dbt docs generate --static` as one self-contained HTML file.

`python -m pipelines.data_dictionary` (`make docs`) runs dbt against a private copy of the
serving copy, so the catalogue lists exactly the tables analysts can query (marts, quality,
meta) with their live column types and row counts, and neither the warehouse (writer's lock)
nor the published file (readers' locks) is opened for writing. dbt writes into a temporary
target directory: Dagster's manifest in dbt_project/target is left alone. The HTML lands in
dashboards/static/, which Streamlit serves at /app/static/data_dictionary.html
(`enableStaticServing` in .streamlit/config.toml). No network: the page embeds its scripts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipelines.dbt_cli import dbt_args, dbt_env
from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT, quiet_telemetry, serving_path

OUTPUT = PROJECT_ROOT / "dashboards" / "static" / "data_dictionary.html"
URL = "app/static/data_dictionary.html"  # relative to the dashboard's root


@dataclass(frozen=True)
class Built:
    html: Path
    manifest: Path | None  # kept only when keep_artifacts_in is given
    catalog: Path | None


def build(
    serving: Path, out: Path = OUTPUT, keep_artifacts_in: Path | None = None, timeout_s: float = 600
) -> Built:
    if not serving.exists():
        raise FileNotFoundError(
            f"服务副本不存在,请先运行 safety-stats refresh / no serving copy at {serving}: run `safety-stats refresh` first"
        )
    quiet_telemetry()
    with tempfile.TemporaryDirectory(prefix="safety-docs-") as tmp:
        work = Path(tmp)
        copy = work / "serving.duckdb"
        shutil.copyfile(serving, copy)
        target = work / "target"
        proc = subprocess.run(
            [
                *dbt_args("docs", "generate", "--static", target_path=target),
                "--log-path",
                str(work / "logs"),
            ],
            env=dbt_env(copy),
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"dbt docs generate 失败 / failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.tmp")
        shutil.copyfile(target / "static_index.html", staged)
        staged.replace(out)  # the dashboard never serves half a file
        manifest = catalog = None
        if keep_artifacts_in is not None:
            keep_artifacts_in.mkdir(parents=True, exist_ok=True)
            manifest = Path(shutil.copy(target / "manifest.json", keep_artifacts_in))
            catalog = Path(shutil.copy(target / "catalog.json", keep_artifacts_in))
    return Built(out, manifest, catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="数据字典 / build the data dictionary (dbt docs, one HTML file)"
    )
    parser.add_argument("--serving", type=Path, default=None, help="serving copy (default: SAFETY_SERVING)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        built = build((args.serving or serving_path()).resolve(), args.out.resolve())
    except (FileNotFoundError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"数据字典 / data dictionary: {built.html} ({built.html.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
