"""Starting Spark for dbt: the SparkSession with the settings of
dbt_project/profiles.spark.example.yml (its paths moved under a work folder), the UDFs, a
`session` submission method for dbt Python models, and dbt itself run in the same process
(dbt.cli.main.dbtRunner), so dbt-spark's session cursor (`SparkSession.builder.getOrCreate()`)
gets this session and its temporary functions (docs/spark_spike.md, "Python UDFs and models").

Loopback only: SPARK_LOCAL_IP=127.0.0.1, spark.driver.host/bindAddress 127.0.0.1, UI off."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from pipelines.settings import DBT_PROJECT_DIR as DBT_PROJECT
from pipelines.settings import PROJECT_ROOT as ROOT

EXAMPLE_PROFILE = DBT_PROJECT / "profiles.spark.example.yml"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
PROFILE_NAME = "safety_stats"


# Added to the example profile's settings. PushProjectionThroughUnion fails on fct_breakdowns
# with `java.util.NoSuchElementException: key not found: measure_code#…` (pyspark 4.3.0; the
# spike's cause 13): the rule is left out (a projection is then not pushed into the union's
# branches, a plan-quality loss only).
SPARK_ONLY_SETTINGS = {
    "spark.sql.optimizer.excludedRules": "org.apache.spark.sql.catalyst.optimizer.PushProjectionThroughUnion",
}


def example_output() -> dict[str, Any]:
    """The `spark` output of the example profile, as written."""
    doc = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    return dict(doc[PROFILE_NAME]["outputs"]["spark"])


def spark_settings(work: Path, driver_memory: str | None = None) -> dict[str, str]:
    """The example profile's server_side_parameters with the warehouse, the Derby metastore and
    its home under `work`, bound to loopback."""
    settings = {k: str(v) for k, v in example_output()["server_side_parameters"].items()}
    settings.update(
        {
            "spark.sql.warehouse.dir": str(work / "warehouse"),
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={work}",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        }
    )
    settings.update(SPARK_ONLY_SETTINGS)
    if driver_memory:
        settings["spark.driver.memory"] = driver_memory
    return settings


def write_profile(work: Path, settings: dict[str, str], threads: int = 1) -> Path:
    """A profiles.yml with the one `spark` target, in `work/profiles` (dbt --profiles-dir)."""
    output = example_output()
    output.update(threads=threads, server_side_parameters=settings)
    folder = work / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {PROFILE_NAME: {"target": "spark", "outputs": {"spark": output}}}
    (folder / "profiles.yml").write_text(
        "# written by pipelines/spark/session.py from dbt_project/profiles.spark.example.yml\n"
        + yaml.safe_dump(doc, sort_keys=False),
        encoding="utf-8",
    )
    return folder


def spark_environment() -> dict[str, str]:
    """Environment for the JVM and Spark's Python workers: Java 17, this interpreter, the
    repository on PYTHONPATH (the UDFs and Python models import pipelines.lib), loopback."""
    env: dict[str, str] = {
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    if "JAVA_HOME" not in os.environ and JAVA_17.exists():
        env["JAVA_HOME"] = str(JAVA_17)
    return env


def start(work: Path, driver_memory: str | None = None) -> Any:
    """The SparkSession (Hive support, as dbt-spark's session cursor asks for it)."""
    os.environ.update(spark_environment())
    work.mkdir(parents=True, exist_ok=True)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("safety_stats_dbt").enableHiveSupport()
    for key, value in spark_settings(work, driver_memory).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # pyspark logs every failing query with its Java stack as JSON; dbt reports the error itself
    from pyspark.logger import PySparkLogger

    PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark


# --- dbt Python models on the session ---------------------------------------------------------


class SessionPythonJobHelper:
    """dbt-spark submission method `session`: runs the compiled model in this process on the
    running SparkSession. The models read and return through pipelines/lib/dbt_frames.py, which
    gives Spark a Spark DataFrame. The compiled code writes with file_format delta by default (no
    Delta jars here): written as parquet."""

    def __init__(self, parsed_model: dict[str, Any], credentials: Any) -> None:
        self.name = str(parsed_model.get("alias") or parsed_model.get("name") or "python_model")

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        code = compiled_code.replace('.format("delta")', '.format("parquet")')
        scope: dict[str, Any] = {"spark": spark, "__name__": f"dbt_model_{self.name}"}
        exec(compile(code, f"<dbt python model {self.name}>", "exec"), scope)


def install_python_models() -> None:
    """Adds the `session` submission method to dbt-spark (no extension point: a patch) and makes
    it the default."""
    from dbt.adapters.spark.impl import SparkAdapter

    helpers = dict(SparkAdapter.python_submission_helpers.fget(None))  # type: ignore[attr-defined]
    helpers["session"] = SessionPythonJobHelper
    SparkAdapter.python_submission_helpers = property(lambda self: helpers)  # type: ignore[assignment]
    SparkAdapter.default_python_submission_method = property(lambda self: "session")  # type: ignore[assignment]


# --- dbt --------------------------------------------------------------------------------------


def run_dbt(
    work: Path,
    profiles_dir: Path,
    args: list[str],
    log: Callable[[str], None] = print,
    project_dir: Path = DBT_PROJECT,
) -> tuple[bool, Any]:
    """`dbt <args>` in this process on the spark target; (success, dbtRunnerResult)."""
    from dbt.cli.main import dbtRunner

    full = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        "spark",
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    started = time.monotonic()
    log(f"dbt {' '.join(args)}")
    result = dbtRunner().invoke(full)
    log(f"dbt {args[0]}: {'OK' if result.success else 'FAILED'} ({time.monotonic() - started:.0f} s)")
    return bool(result.success), result
