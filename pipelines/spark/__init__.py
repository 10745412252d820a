"""The Spark target (issue 18, item 1; docs/spark_spike.md): the same dbt project built on Spark
through dbt-spark's `session` method, from the same raw zone as a DuckDB warehouse, and its marts
compared with DuckDB's row for row.

    python -m pipelines.spark build   --warehouse W --work DIR   export the raw zone, dbt seed + run
    python -m pipelines.spark compare --warehouse W --work DIR   marts: equal / different / missing

Runs in its own venv (requirements-spark.txt: dbt-spark[session], pyspark, the project's
scientific pins), with a Java 17 JRE. The modules import pyspark and dbt only inside functions,
so the project's own venv can import them (tests/test_spark_*.py)."""
