# The two commands of the README:
#   make run   build the warehouse from raw/sample and serve the dashboard
#   make test  lint, type-check and run the whole test suite
# Both install what they need first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1
export DAGSTER_DISABLE_TELEMETRY := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: run test test-fast test-spark setup setup-dev setup-spark system-deps refresh docs serve dagster lint format duplicates sample bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# --compile-bytecode: write the .pyc files at install time. Without them every process (each
# refresh, each dbt subprocess) compiles dagster, dbt and GX again whenever bytecode cannot be
# written (a read-only install, PYTHONDONTWRITEBYTECODE): seconds of fixed cost per refresh.
setup: $(BIN)/python  ## runtime dependencies (pinned in requirements.lock)
	$(BIN)/uv pip install --quiet --compile-bytecode -p $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python --no-deps -e .

setup-dev: setup
	$(BIN)/uv pip install --quiet --compile-bytecode -p $(BIN)/python -r requirements-dev.lock

system-deps:  ## headless Chromium and CJK fonts for the browser tests (Debian)
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "installing chromium and fonts-noto-cjk"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	fi
	@# LibreOffice Calc: tests/test_official_tables.py opens each official layout headless
	@if ! command -v soffice >/dev/null; then \
		echo "installing libreoffice-calc-nogui"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; \
	fi

refresh: setup
	$(BIN)/safety-stats refresh
	# 公开数据: the real 全国 drop in its own warehouse (the dashboard's benchmark; SAFETY_PUBLIC_SERVING)
	$(BIN)/safety-stats refresh --raw raw/public --warehouse $(CURDIR)/.warehouse/public/warehouse.duckdb

docs: setup  ## 数据字典: dbt docs of the serving copy as one HTML, served at /app/static/data_dictionary.html
	$(BIN)/python -m pipelines.data_dictionary

# ADDRESS other than loopback: refused unless sign-in is configured (docs/access.md)
serve: setup
	$(BIN)/safety-stats serve --address $(ADDRESS) --port $(PORT)

run: refresh docs serve

dagster: setup  ## the Dagster UI over the same warehouse and run history
	DAGSTER_HOME=$(CURDIR)/.warehouse/dagster_home $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

lint: setup-dev
	$(BIN)/ruff check pipelines dashboards tests benchmarks
	$(BIN)/ruff format --check pipelines dashboards tests benchmarks
	$(BIN)/mypy
	cd dbt_project && SAFETY_WAREHOUSE=$(CURDIR)/.warehouse/lint.duckdb ../$(BIN)/dbt parse --quiet

format: setup-dev
	$(BIN)/ruff format pipelines dashboards tests benchmarks
	$(BIN)/ruff check --fix pipelines dashboards tests benchmarks

# Places that state one rule twice (README "Checking the code"). `duplicates` is a tool of the
# development machine, not a dependency: a row is a place to look, not a failure.
duplicates:
	@command -v duplicates >/dev/null || { echo "duplicates: not on PATH (a development-machine tool)"; exit 1; }
	duplicates --repo dbt_project --most 40
	duplicates --repo pipelines --most 40
	duplicates --repo dashboards --most 20

# Two tiers (tests/conftest.py marks the slow one): the fast tier first, stopping at the first
# failure (pure functions, dbt macros, one small end-to-end refresh, and every dbt unit test on
# it: tests/test_dbt_unit_tests.py; a refresh never runs them), then the slow tier. Two workers each; a test file stays on one worker (module fixtures).
FAST_TIER := $(BIN)/pytest -q -x -m "not slow" -n 2 --dist loadfile --no-loadscope-reorder --durations=15
test: setup-dev system-deps lint
	$(FAST_TIER)
	$(BIN)/pytest -q -m "slow and not spark" -n 2 --dist loadfile --durations=25
	$(MAKE) test-spark

# The Spark target (pipelines/spark/, docs/spark.md): its own venv, so pyspark (~490 MiB) and a
# JRE are needed only here. The test builds the dbt project on a local Spark from the sample
# warehouse's raw zone and compares every mart with DuckDB's, row for row.
SPARK_VENV := .venv-spark
setup-spark: setup-dev  ## the Spark target's venv (requirements-spark.txt) and a Java 17 JRE (Debian)
	@if ! command -v java >/dev/null; then \
		echo "installing openjdk-17-jre-headless"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	fi
	test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(BIN)/uv pip install --quiet --compile-bytecode -p $(SPARK_VENV)/bin/python -r requirements-spark.txt

test-spark: setup-spark  ## the Spark build's marts against DuckDB's (minutes)
	SAFETY_SPARK_PYTHON=$(CURDIR)/$(SPARK_VENV)/bin/python $(BIN)/pytest -q -m spark --durations=5

test-fast: setup-dev  ## the fast tier alone (no lint), for an edit-test loop
	$(FAST_TIER)

sample: setup  ## regenerate the embedded sample (deterministic)
	$(BIN)/python -m pipelines.samplegen --out raw/sample

BENCH_SIZES ?= 1M,10M
BENCH_FORMAT ?= parquet
bench: setup-dev  ## scale benchmark (SYNTHETIC data generated outside the repo) -> benchmarks/scale.json, scale.md
	$(BIN)/python benchmarks/run_bench.py --sizes $(BENCH_SIZES) --format $(BENCH_FORMAT)

lock:  ## re-resolve the pinned dependency set
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --quiet --python-version 3.11
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --quiet --python-version 3.11

clean:
	rm -rf .warehouse dbt_project/target dbt_project/logs
