"""Analysts' SQL on the serving copy, sealed (docs/sql_sandbox.md).

Layers, each enough on its own for the file-writing attacks, together for the rest:

1. DuckDB's own parse (`check_sql`): exactly one statement, of type SELECT (SHOW, DESCRIBE,
   SUMMARIZE, VALUES, FROM-first and WITH parse as SELECT); the statement's syntax tree
   (`json_serialize_sql`) is walked and table functions must be on an allow-list, functions and
   system views that reveal paths, settings, the environment or run other SQL are refused.
2. DuckDB configuration: the serving file attached READ_ONLY, external access, extension
   loading and persistent secrets off, a memory limit, one or two threads, no temporary
   directory, configuration locked.
3. The operating system (pipelines/sandbox_process.py): every query runs in a fresh child
   process that gets the serving file only as a read-only file descriptor (never its path), with
   RLIMIT_FSIZE=0, RLIMIT_AS, RLIMIT_CPU, no core dumps, no new privileges, and when started as
   root it drops to nobody (65534) before DuckDB starts.
4. The parent kills the child's process group at the time limit plus a grace period, reads at
   most a byte limit of JSON lines (never pickle) and caps concurrent queries.

Every message shown to a user is bilingual and carries no path, PID or traceback.

This module holds the pieces used on both sides of the process boundary; `run_query` is the
entry point and always runs the query in a child process.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# ------------------------------------------------------------------------------------- limits

DEFAULT_MAX_ROWS = 10_000
MAX_ROWS_LIMIT = 1_000_000  # --max-rows upper bound
DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 300.0  # --timeout upper bound
DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # JSON result bytes the parent reads at most
MAX_BYTES_LIMIT = 256 * 1024 * 1024
MAX_SQL_CHARS = 100_000
GRACE_S = 2.5  # the parent kills the child this long after the time limit
MEMORY_LIMIT = "512MiB"  # DuckDB memory_limit in the child
THREADS = 2  # DuckDB threads in the child
ADDRESS_SPACE_BYTES = 2 * 1024**3  # RLIMIT_AS of the child: 2 GiB (idle child ~0.8 GiB virtual)
MAX_CONCURRENT = 2  # concurrent sandbox queries per process (the dashboard)
BUSY_WAIT_S = 1.0  # how long a query waits for a free slot before "busy"

# DuckDB settings at connect (before the serving file is attached); lock_configuration and
# enable_external_access=false are set after the ATTACH, see sandbox_process._open.
SANDBOX_CONFIG: dict[str, str | bool | int] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "memory_limit": MEMORY_LIMIT,
    "max_memory": MEMORY_LIMIT,
    "threads": THREADS,
    "temp_directory": "",  # nothing spills to disk
    "max_temp_directory_size": "0KiB",
}

# ----------------------------------------------------------------------------------- messages

MSG_REFUSED = "查询被拒绝或出错 / Query refused or failed"
MSG_ONLY_SELECT = (
    "查询被拒绝:只允许单条只读查询(SELECT、WITH、FROM、VALUES、SHOW、DESCRIBE、SUMMARIZE)/ "
    "Query refused: only one read-only statement is allowed (SELECT, WITH, FROM, VALUES, SHOW, DESCRIBE, SUMMARIZE)"
)
MSG_EMPTY = "查询为空 / The query is empty"
MSG_TOO_LONG = (
    f"查询过长(最多 {MAX_SQL_CHARS:,} 个字符)/ The query is too long (at most {MAX_SQL_CHARS:,} characters)"
)
MSG_BUSY = "查询台正忙,请稍后再试 / The SQL sandbox is busy, please try again in a moment"
MSG_MEMORY = "查询超出内存限制,已中止 / Query stopped: it exceeded the memory limit"
MSG_CRASHED = (
    "查询进程被终止(超出内存或 CPU 限制)/ The query process was stopped (memory or CPU limit exceeded)"
)
MSG_NO_SERVING = "服务库文件不存在或无法读取 / The serving copy is missing or unreadable"
MSG_INTERNAL = "查询台内部错误 / Internal error of the SQL sandbox"


def msg_timeout(timeout_s: float) -> str:
    return f"查询超过时间限制 {timeout_s:g} 秒,已中止 / Query stopped after the {timeout_s:g} s limit"


def msg_rows_truncated(max_rows: int) -> str:
    return f"结果已截断为前 {max_rows:,} 行 / Result truncated to the first {max_rows:,} rows"


def msg_bytes_truncated(max_bytes: int) -> str:
    mib = max_bytes / 1024 / 1024
    return (
        f"结果超过 {mib:g} MiB 上限,只显示前面部分行 / "
        f"Result larger than the {mib:g} MiB limit: only the first rows are shown"
    )


def msg_function(name: str) -> str:
    return (
        f"查询被拒绝:不允许使用函数或系统视图 {name}(可能泄露路径、设置或执行其他语句)/ "
        f"Query refused: function or system view {name} is not allowed "
        "(it may reveal paths or settings, or run other SQL)"
    )


def msg_file_access(name: str) -> str:
    return f"查询被拒绝:不允许读取文件 {name} / Query refused: reading files is not allowed: {name}"


class QueryRefused(Exception):
    """The query was refused, stopped or failed; the message is bilingual and safe to show."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    note: str = ""  # bilingual reason when truncated
    truncated_by: str = ""  # "rows" or "bytes" when truncated


@dataclass
class RunStats:
    """What the parent saw of one child: for tests and logs, never shown to users."""

    seconds: float = 0.0
    # The child's peak resident memory (os.wait4): an upper bound, as Linux carries the parent's
    # high-water mark across exec into the child's ru_maxrss.
    max_rss_kib: int = 0
    killed: bool = False  # the parent killed the child (time limit or byte limit)
    exit_status: int | None = None
    bytes_read: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ sanitising

# Anything path-like: /a/b, ./x, ~/x, C:\x, file:// URLs; the message must not reveal files.
_PATH = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+"  # URLs (file://, s3://, https://)
    r"|(?:[A-Za-z]:\\|\\\\|~/|\.{1,2}/|(?<![\w)])/(?=[A-Za-z_.~$]))[^\s'\"`,;()]*"  # /a/b ./a ~/a C:\a
    r"|\b[\w.-]+\.(?:duckdb|wal|tmp)(?:\.[\w]+)*\b"  # serving.duckdb, x.wal.checkpoint
)
_PID = re.compile(r"\b(?:pid|PID|process)\s*[:=]?\s*\d+")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):.*", re.S)


def sanitise(text: str, limit: int = 1500) -> str:
    """A DuckDB error message without paths, PIDs or Python tracebacks, at most `limit` chars."""
    text = _TRACEBACK.sub("", text)
    text = _PATH.sub("<…>", text)
    text = _PID.sub("<…>", text)
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " …"


# ------------------------------------------------------------------- layer 1: DuckDB's parse

# Table functions an analyst may call in FROM: generators and the catalogue functions the
# schema browser and examples use. Everything else (read_*, glob, query, checkpoint,
# pragma_*, duckdb_settings, duckdb_databases, ...) is refused.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "duckdb_columns",
        "duckdb_constraints",
        "duckdb_functions",
        "duckdb_indexes",
        "duckdb_keywords",
        "duckdb_schemas",
        "duckdb_sequences",
        "duckdb_tables",
        "duckdb_types",
        "duckdb_views",
        "pg_timezone_names",
        "icu_calendar_names",
    }
)
# Scalar functions that reveal settings, the environment or paths, write, or run other SQL.
DENIED_FUNCTIONS = frozenset(
    {
        "current_setting",
        "getenv",
        "getvariable",
        "write_log",
        "json_execute_serialized_sql",
        "query",
        "query_table",
        "checkpoint",
        "force_checkpoint",
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "parse_duckdb_log_message",
        "which_secret",
        "nextval",
        "setval",
    }
)
# System views over those functions (SELECT * FROM duckdb_databases works without parentheses).
DENIED_TABLES = frozenset({"duckdb_databases", "duckdb_logs", "pragma_database_list", "pg_settings"})
_PREFIXES = ("duckdb_", "pragma_", "read_", "parquet_", "sniff_")


def _function_allowed(name: str) -> bool:
    n = name.lower()
    if n in DENIED_FUNCTIONS:
        return False
    return not n.startswith(_PREFIXES) or n in ALLOWED_TABLE_FUNCTIONS


def _table_problem(name: str) -> str | None:
    n = name.lower()
    if any(c in n for c in "/\\:") or re.search(
        r"\.(csv|tsv|parquet|json|ndjson|jsonl|txt|duckdb|db|gz|zst)$", n
    ):
        return msg_file_access(name)
    if n in DENIED_TABLES or (n.startswith(("duckdb_", "pragma_")) and n not in ALLOWED_TABLE_FUNCTIONS):
        return msg_function(name)
    return None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_sql(sql: str, parser: Any) -> None:
    """Raise QueryRefused unless `sql` is exactly one SELECT whose syntax tree calls only allowed
    functions. `parser` is a DuckDB connection used for json_serialize_sql (any in-memory one)."""
    import duckdb

    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(MSG_TOO_LONG)
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"{MSG_REFUSED}: {sanitise(str(exc))}") from None
    if not statements:
        raise QueryRefused(MSG_EMPTY)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(MSG_ONLY_SELECT)
    try:
        row = parser.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
        tree = json.loads(row[0])
    except (duckdb.Error, ValueError, TypeError, RecursionError, IndexError) as exc:
        raise QueryRefused(f"{MSG_REFUSED}: {sanitise(str(exc))}") from None
    if not isinstance(tree, dict) or tree.get("error") or len(tree.get("statements", [])) != 1:
        detail = sanitise(str(tree.get("error_message", ""))) if isinstance(tree, dict) else ""
        raise QueryRefused(f"{MSG_ONLY_SELECT}{': ' + detail if detail else ''}")
    for node in _walk(tree["statements"]):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            fn = node.get("function") or {}
            name = str(fn.get("function_name", ""))
            if name.lower() not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryRefused(
                    msg_file_access(name)
                    if name.lower().startswith(("read_", "glob", "parquet_", "sniff_"))
                    or name.lower() == "glob"
                    else msg_function(name)
                )
        elif "function_name" in node:
            name = str(node["function_name"])
            if not _function_allowed(name):
                raise QueryRefused(msg_function(name))
        elif kind in ("BASE_TABLE", "SHOW_REF"):  # SHOW/DESCRIBE/SUMMARIZE name a table too
            problem = _table_problem(str(node.get("table_name", "")))
            if problem:
                raise QueryRefused(problem)


# ------------------------------------------------------------------ values across the pipe
# The child sends JSON lines; values JSON cannot hold are tagged and rebuilt by the parent.


def encode_value(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"$f": repr(v)}
    if isinstance(v, decimal.Decimal):
        return {"$dec": str(v)}
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, dt.time):
        return {"$t": v.isoformat()}
    if isinstance(v, dt.timedelta):
        return {"$td": [v.days, v.seconds, v.microseconds]}
    if isinstance(v, uuid.UUID):
        return {"$u": str(v)}
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, list | tuple):
        return [encode_value(x) for x in v]
    if isinstance(v, dict):
        return {"$m": [[encode_value(k), encode_value(x)] for k, x in v.items()]}
    return str(v)


def decode_value(v: Any) -> Any:
    """Inverse of encode_value; unknown shapes become their string form (never code)."""
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    if not isinstance(v, dict):
        return v
    if len(v) != 1:
        return str(v)
    ((tag, x),) = v.items()
    try:
        if tag == "$f":
            return float(x)
        if tag == "$dec":
            return decimal.Decimal(x)
        if tag == "$dt":
            return dt.datetime.fromisoformat(x)
        if tag == "$d":
            return dt.date.fromisoformat(x)
        if tag == "$t":
            return dt.time.fromisoformat(x)
        if tag == "$td":
            return dt.timedelta(days=x[0], seconds=x[1], microseconds=x[2])
        if tag == "$u":
            return uuid.UUID(x)
        if tag == "$b":
            return base64.b64decode(x)
        if tag == "$m":
            out = {}
            for k, val in x:
                key = decode_value(k)
                out[key if isinstance(key, str | int | float | bool) or key is None else str(key)] = (
                    decode_value(val)
                )
            return out
    except (ValueError, TypeError, IndexError, OverflowError, decimal.InvalidOperation):
        return str(x)
    return str(v)


# ----------------------------------------------------------------------------- entry point


def run_query(
    path: Any,
    sql: str,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> QueryResult:
    """Run one read-only query on the serving file at `path` in a sealed child process."""
    from pipelines.sandbox_process import run_query_isolated

    return run_query_isolated(path, sql, max_rows=max_rows, timeout_s=timeout_s, max_bytes=max_bytes)
