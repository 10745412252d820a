"""`safety-stats check FILE`: 审核 a file before it is submitted, loading nothing (docs/check.md).

Runs what the ingest would run on the file, in its order, and the survey systems' audit rules:
the file-name contract, the reader (`pipelines.lib.readers.read_raw_file`: encodings, headers,
official layouts, whole-file limits), the loader's own row rules (`pipelines.lib.row_rules`:
types, regions, official forms' 合计, the statistical date range; then its duplicate keys) and
`pipelines.quality.audit_rules`. Every problem is reported by row and cell, Chinese first with
English, naming the file by its name only.

Exit codes: 0 no error (warnings may be listed), 1 at least one error (the upload page refuses
the file), 2 the file cannot be read at all (or its source cannot be told).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from pipelines.lib.contracts import Source

CLEAN, PROBLEMS, UNREADABLE = 0, 1, 2
# <报送单位行政区划代码>_<名称>_<时期>.<后缀> (docs/input_contract.md, 文件命名)
CONTRACT_NAME = re.compile(r"^(\d{6})_[^_].*\.(csv|xlsx|parquet)$", re.IGNORECASE)
_SHOWN_VALUE_CHARS = 80


@dataclass
class CheckResult:
    file_name: str
    source: str | None
    rows_read: int = 0
    unreadable: bool = False
    problems: list[dict[str, Any]] = field(default_factory=list)  # AUDIT_SCHEMA rows

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p["severity"] == "error"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p["severity"] == "warning"]

    @property
    def exit_code(self) -> int:
        return UNREADABLE if self.unreadable else PROBLEMS if self.errors else CLEAN

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "source": self.source,
            "status": {CLEAN: "clean", PROBLEMS: "problems", UNREADABLE: "unreadable"}[self.exit_code],
            "rows_read": self.rows_read,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": self.problems,
        }


def _problem(
    file: str, rule: str, zh: str, en: str, severity: str = "error", column: str | None = None
) -> dict[str, Any]:
    return {
        "file_path": file,
        "row_number": None,
        "column_name": column,
        "bad_value": None,
        "rule": rule,
        "message_zh": zh,
        "message_en": en,
        "severity": severity,
    }


def name_problems(name: str, source: Source) -> list[dict[str, Any]]:
    """Warnings on the file-name contract: the name feeds submission tracking and reload ranges."""
    from pipelines.lib.parse import region_validity
    from pipelines.quality.audit_rules import report_period

    out = []
    m = CONTRACT_NAME.match(name)
    if m is None:
        out.append(
            _problem(
                name,
                "file_name_contract",
                "提示:文件名应为“行政区划代码_名称_时期.后缀”(如 330300_温州_2025Q2.xlsx),报送情况按文件名统计",
                "Warning: name the file '<region code>_<name>_<period>.<ext>' (e.g. 330300_温州_2025Q2.xlsx); "
                "submission tracking reads the name",
                "warning",
            )
        )
    elif m.group(1) not in set(region_validity()["region_code"].to_list()):
        out.append(
            _problem(
                name,
                "file_name_region",
                f"提示:文件名中的行政区划代码{m.group(1)}不在区划代码表中",
                f"Warning: the region code {m.group(1)} in the file name is not in the region registry",
                "warning",
            )
        )
    if source.kind == "record" and report_period(name) is None:
        out.append(
            _problem(
                name,
                "file_name_period",
                "提示:文件名中没有(或有多个)报告期,如 2025Q2、2025M07 或 2025;无法核对日期是否在报告期内",
                "Warning: the file name states no report period (or several), e.g. 2025Q2, 2025M07 or "
                "2025; dates cannot be checked against it",
                "warning",
            )
        )
    return out


def _guess_sources(path: Path, source: str | None) -> list[Source]:
    from pipelines.lib.contracts import ALL_SOURCES, SOURCES_BY_NAME

    if source:
        return [SOURCES_BY_NAME[source]]
    if path.parent.name in SOURCES_BY_NAME:  # a file inside a drop's source folder
        return [SOURCES_BY_NAME[path.parent.name]]
    return list(ALL_SOURCES)


def _read(path: Path, sources: list[Source]) -> tuple[Any, Source] | dict[str, Any]:
    """(RawFile, source) of the first source the file reads as, or the reader's refusal."""
    from pipelines.lib.readers import FileRejected, read_raw_file

    first_refusal: dict[str, Any] | None = None
    readable = []
    for s in sources:
        try:
            readable.append((read_raw_file(path, path.parent, s), s))
        except FileRejected as exc:
            refusal = _problem(path.name, exc.rule, exc.message_zh, exc.message_en)
            if first_refusal is None or (
                first_refusal["rule"] == "missing_columns" and exc.rule != "missing_columns"
            ):
                first_refusal = refusal
        except Exception as exc:  # a reader bug must not print a traceback or a path
            first_refusal = _problem(
                path.name,
                "unreadable",
                f"文件无法读取({type(exc).__name__})",
                f"The file cannot be read ({type(exc).__name__})",
            )
        if len(sources) == 1 or (readable and readable[-1][1].kind == "record"):
            break
    if len(readable) == 1 or (readable and readable[0][1].kind == "record"):
        return readable[0]
    if readable:  # denominators and reports share their columns
        return _problem(
            path.name,
            "source_ambiguous",
            f"无法判断文件属于哪个来源({'、'.join(s.name for _r, s in readable)}),请指定 --source",
            f"Cannot tell the file's source ({', '.join(s.name for _r, s in readable)}): give --source",
        )
    assert first_refusal is not None
    if len(sources) > 1 and first_refusal["rule"] == "missing_columns":
        first_refusal = _problem(
            path.name,
            "unknown_source",
            "表头不符合任何来源的约定列(见 docs/input_contract.md),请指定 --source 查看缺少的列",
            "The header matches no source's contract columns (docs/input_contract.md); give --source "
            "to see the missing ones",
        )
    return first_refusal


def known_accident_ids(warehouse: Path | None) -> set[str] | None:
    """Accident ids the warehouse holds (快报/补报 rows); None when it cannot be read (absent, or
    locked by a refresh writing it)."""
    import duckdb

    if warehouse is None or not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute(
            "SELECT DISTINCT accident_id FROM raw.accidents WHERE report_kind <> 'write_off'"
        ).fetchall()
        return {r[0] for r in rows}
    except duckdb.Error:
        return None
    finally:
        con.close()


def _row_rules(raw: Any, source: Source) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed good rows, problems) as a load decides them for one file: the loader's per-row rules
    (`pipelines.lib.row_rules`, on its statistical range), then its duplicate keys over the rows
    those rules keep."""
    import polars as pl

    from pipelines.ingest.loader import _duplicates
    from pipelines.lib.partitions import statistical_range
    from pipelines.lib.row_rules import row_rules
    from pipelines.quality.audit_rules import AUDIT_SCHEMA

    form_rejects = getattr(raw, "form_rejects", None)  # an official form's 合计 checks (official_forms.py)
    checked = row_rules(
        raw.frame.with_columns(pl.lit(raw.relpath).alias("_file_path")),
        source,
        raw.scale_factors,
        statistical_range(),
        [] if form_rejects is None else [(raw.relpath, form_rejects)],
    )
    good, parts = checked.good, [checked.rejects]
    if source.key_columns and good.height:
        parts.append(_duplicates(good.select([*source.key_columns, "_file_path", "_row_number"]), source)[1])
    problems = pl.concat(parts, how="vertical_relaxed").with_columns(pl.lit("error").alias("severity"))
    return good.drop("_file_path"), problems.cast(AUDIT_SCHEMA)  # type: ignore[arg-type]


def check_file(
    path: Path,
    source: str | None = None,
    known_ids: set[str] | None = None,
    display_name: str | None = None,
) -> CheckResult:
    """Check one file; nothing is loaded or written. `known_ids`: accident ids a 核销 may refer to
    besides the file's own (`known_accident_ids` of the warehouse)."""
    import polars as pl

    from pipelines.lib.readers import SUPPORTED_SUFFIXES
    from pipelines.quality.audit_rules import AUDIT_SCHEMA, audit

    name = display_name or path.name
    result = CheckResult(file_name=name, source=source)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES or not path.is_file():
        result.unreadable = True
        result.problems.append(
            _problem(
                name,
                "unsupported_file",
                f"不是可读取的文件:只接受 {'、'.join(SUPPORTED_SUFFIXES)} 文件",
                f"Not a readable file: only {', '.join(SUPPORTED_SUFFIXES)} files are accepted",
            )
        )
        return result
    read = _read(path, _guess_sources(path, source))
    if isinstance(read, dict):
        result.unreadable = True
        result.problems.append(read)
        return result
    raw, src = read
    result.source = src.name
    result.rows_read = raw.frame.height
    good, row_problems = _row_rules(raw, src)
    audit_problems = audit(good, src, raw.relpath, known_ids)
    frame = pl.concat(
        [pl.DataFrame(name_problems(name, src), schema=AUDIT_SCHEMA), row_problems, audit_problems],
        how="vertical_relaxed",
    ).with_columns(pl.lit(name).alias("file_path"))
    frame = frame.sort(pl.col("row_number").fill_null(0), "column_name", "rule", nulls_last=False)
    result.problems = frame.to_dicts()
    return result


# ------------------------------------------------------------------------------------ output


def _shown(value: Any) -> str:
    from pipelines.lib.limits import CONTROL_CHARS

    text = "" if value is None else str(value)
    for c in CONTROL_CHARS:
        text = text.replace(c, f"\\x{ord(c):02x}")
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def format_text(result: CheckResult) -> str:
    """One line per problem (file:row, column, value, rule, severity), Chinese then English."""
    lines = []
    src = result.source or "?"
    if result.unreadable:
        lines.append(f"{result.file_name}:无法读取,未检查任何行 / unreadable, no row checked")
    else:
        lines.append(
            f"{result.file_name}(来源 source {src}):读取{result.rows_read}行,错误{len(result.errors)}处,"
            f"提示{len(result.warnings)}处 / {result.rows_read} row(s) read, {len(result.errors)} error(s), "
            f"{len(result.warnings)} warning(s)"
        )
    for p in result.problems:
        where = result.file_name + (f":{p['row_number']}" if p["row_number"] is not None else "")
        sev = "错误 error" if p["severity"] == "error" else "提示 warning"
        cell = ""
        if p["column_name"]:
            cell = f" 第{p['row_number']}行 row {p['row_number']}," if p["row_number"] is not None else " "
            cell += f" 列 column {p['column_name']}"
            if p["bad_value"] is not None:
                cell += f" = “{_shown(p['bad_value'])}”"
        lines.append(f"{where}: [{p['rule']}] {sev}:{cell}")
        lines.append(f"    {p['message_zh']}")
        lines.append(f"    {p['message_en']}")
    if not result.problems and not result.unreadable:
        lines.append("未发现问题 / no problem found")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    from pipelines.settings import warehouse_path

    path = Path(args.file)
    ids = None
    if not args.no_warehouse:
        ids = known_accident_ids(Path(args.warehouse).resolve() if args.warehouse else warehouse_path())
    try:
        result = check_file(path, args.source, ids)
    except Exception as exc:  # no traceback, no path: a clerk reads this
        result = CheckResult(file_name=path.name, source=args.source, unreadable=True)
        result.problems.append(
            _problem(
                path.name,
                "check_failed",
                f"检查中断({type(exc).__name__})",
                f"The check stopped ({type(exc).__name__})",
            )
        )
    if args.format == "json":
        json.dump(result.as_json(), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        print(format_text(result))
    return result.exit_code


def add_check_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from pipelines.lib.contracts import SOURCES_BY_NAME

    c = sub.add_parser(
        "check",
        help="审核 a file before submission: contract, row rules and audit rules; loads nothing "
        "(exit 0 clean, 1 errors, 2 unreadable) / 报送前审核文件,不导入",
    )
    c.add_argument("file", help="the file to check (.csv, .xlsx, .parquet)")
    c.add_argument(
        "--source", choices=sorted(SOURCES_BY_NAME), help="its source (default: from its folder or header)"
    )
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.add_argument(
        "--warehouse",
        help="warehouse whose accidents a 核销 may refer to (default: SAFETY_WAREHOUSE's, if readable)",
    )
    c.add_argument("--no-warehouse", action="store_true", help="check 核销 against the file alone")
    c.set_defaults(func=cmd_check)


# ------------------------------------------------------------------ submission (the upload page)
# The dashboard's upload page (dashboards/views/upload.py) checks a file with `check_file`, then
# hands an accepted one to the raw drop here and runs the incremental refresh in a subprocess.

DEFAULT_UPLOAD_MAX_MB = 20.0  # SAFETY_UPLOAD_MAX_MB: a month's or a quarter's file is far smaller
DEFAULT_REFRESH_TIMEOUT_S = 1800.0  # SAFETY_UPLOAD_REFRESH_TIMEOUT_S
SUPERSEDED = ".superseded"  # previous versions of resubmitted files, inside the drop but in no source folder
REPORT_HEAD = "刷新报告 / Refresh report"  # the first line of pipelines.publish.latest_report
_NAME_UNSAFE = re.compile(r"[^\w.()（）\-\u4e00-\u9fff]+")


def upload_max_bytes() -> int:
    import os

    return int(float(os.environ.get("SAFETY_UPLOAD_MAX_MB", DEFAULT_UPLOAD_MAX_MB)) * 1024 * 1024)


def safe_file_name(name: str) -> str | None:
    """The uploaded name made safe for the drop: no folder part, no control or shell character,
    no leading dot, at most 100 characters, a supported suffix; None when nothing usable is left."""
    import unicodedata

    from pipelines.lib.readers import SUPPORTED_SUFFIXES

    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
        return None
    stem = _NAME_UNSAFE.sub("_", stem).strip("._ -")[:95]
    return f"{stem}.{suffix.lower()}" if stem else None


def stage_upload(content: bytes, name: str) -> Path:
    """Write an upload into a new private temporary folder (mode 0700, file 0600)."""
    import os
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="safety-upload-"))
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    return path


@dataclass
class Placed:
    status: str  # "added" | "resubmitted" | "unchanged" | "refused"
    relpath: str = ""  # inside the drop, e.g. accidents/330300_温州_2025Q2.csv
    message_zh: str = ""
    message_en: str = ""


def place_in_drop(staged: Path, source: Source, drop: Path, name: str) -> Placed:
    """Put a checked file into `drop/<source>/<name>`. The same content already there: nothing to
    do. A different file of that name is a 重报 (resubmission), as the statisticians' guide
    defines it: the new file takes the name and the refresh replaces the periods it covers; the
    previous version is never lost — it is moved to `drop/.superseded/<source>/` (outside every
    source folder, so it is not loaded again) under its name, the time and its hash."""
    import datetime as dt
    import os
    import shutil

    from pipelines.lib.readers import sha256_of

    folder = drop / source.name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    rel = f"{source.name}/{name}"
    tmp = folder / f".upload-{os.getpid()}-{name}"
    shutil.copyfile(staged, tmp)
    try:
        if not target.exists():
            try:
                os.link(tmp, target)  # fails if the name was taken meanwhile
            except FileExistsError:
                return Placed(
                    "refused",
                    rel,
                    "同名文件刚刚被放入数据目录,请重新上传",
                    "A file of this name has just been dropped; upload again",
                )
            return Placed("added", rel, f"已放入数据目录:{rel}", f"Placed in the drop: {rel}")
        old_hash = sha256_of(target)
        if old_hash == sha256_of(staged):
            return Placed(
                "unchanged",
                rel,
                "数据目录中已有内容完全相同的同名文件,无需导入",
                "The drop already holds this file, byte for byte: nothing to load",
            )
        keep = drop / SUPERSEDED / source.name
        keep.mkdir(parents=True, exist_ok=True)
        stem, suffix = os.path.splitext(name)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        os.link(target, keep / f"{stem}.{stamp}.{old_hash[:12]}{suffix}")  # the old version, kept
        os.replace(tmp, target)  # atomic: the loader sees the old file or the new one
        return Placed(
            "resubmitted",
            rel,
            f"数据目录中已有不同内容的同名文件:按重报处理,本文件替换之,刷新时替换其覆盖各期的数据;"
            f"原文件保存在 {SUPERSEDED}/{source.name}/",
            f"The drop held a different file of this name: a resubmission. This file replaces it and the "
            f"refresh replaces the periods it covers; the previous version is kept in {SUPERSEDED}/{source.name}/",
        )
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class RefreshOutcome:
    returncode: int | None  # None: stopped at the time limit
    report: str  # the refresh report (stdout), paths replaced
    log_tail: str  # the last lines of its log, paths replaced


def refresh_timeout_s() -> float:
    import os

    return float(os.environ.get("SAFETY_UPLOAD_REFRESH_TIMEOUT_S", DEFAULT_REFRESH_TIMEOUT_S))


def run_refresh_subprocess(drop: Path, timeout_s: float | None = None) -> RefreshOutcome:
    """`safety-stats refresh` (incremental: only the quarters of new, changed or removed files) on
    `drop`, in a child process with a time limit, as the dashboard runs other long work. The
    writer lock refuses it (exit 3) while another refresh runs."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys

    from pipelines.settings import PROJECT_ROOT, warehouse_path

    timeout = timeout_s or refresh_timeout_s()
    env = dict(os.environ, SAFETY_RAW=str(drop))

    def scrub(text: str) -> str:
        for p, shown in (
            (str(drop), "<raw>"),
            (str(warehouse_path().parent), "<warehouse>"),
            (str(PROJECT_ROOT), "."),
        ):
            text = text.replace(p, shown)
        return text

    # its own session, so that at the time limit the whole group goes (dbt runs as a grandchild)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stderr = ""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                stderr = proc.communicate(timeout=15)[1]
                break
            except subprocess.TimeoutExpired:
                continue
        return RefreshOutcome(None, "", scrub("\n".join((stderr or "").splitlines()[-15:])))
    report = stdout[stdout.find(REPORT_HEAD) :] if REPORT_HEAD in stdout else ""  # dbt prints there too
    return RefreshOutcome(proc.returncode, scrub(report.strip()), scrub("\n".join(stderr.splitlines()[-15:])))
