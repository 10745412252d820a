"""The staging, intermediate and mart models stay portable SQL: no DuckDB-only construct outside a macro.

The model files are read as text (Jinja not rendered). Comments, string literals, quoted
identifiers and Jinja tags are blanked out first, so a construct is reported only where it is
SQL the engine would see; a macro call such as `{{ dbt.listagg(...) }}` is the portable form.
Leftovers are listed in ALLOWED with the reason, and the "Portable SQL" paragraph of
docs/scale.md names them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_dbt

MODELS = ROOT / "dbt_project" / "models"
SCANNED = ("staging", "intermediate", "marts")

# (name, pattern): DuckDB-only SQL and the portable form to use instead.
DENY: tuple[tuple[str, str], ...] = (
    ("make_date(", r"\bmake_date\s*\("),  # date_from_parts / quarter_start / quarter_end
    ("last_day(", r"\blast_day\s*\("),  # dbt.last_day / quarter_end
    ("monthname(", r"\bmonthname\s*\("),
    ("to_days(", r"\bto_(days|months|years)\s*\("),  # dbt.dateadd
    ("date_diff(", r"\bdate_diff\s*\("),  # dbt.datediff
    ("string_agg(", r"\bstring_agg\s*\("),  # dbt.listagg
    ("string_split(", r"\bstring_split\s*\("),  # dbt.split_part
    ("list_", r"\blist_\w*\s*\("),
    ("unnest(", r"\bunnest\s*\("),  # values_table / dbt.generate_series
    ("range(", r"\b(range|generate_series)\s*\("),
    ("list literal or index [", r"\["),
    ("regexp_extract(", r"\bregexp_extract\s*\("),
    ("arg_max(", r"\barg_max\s*\("),  # row_number() over (...)
    ("arg_min(", r"\barg_min\s*\("),
    ("max_by(", r"\bmax_by\s*\("),
    ("min_by(", r"\bmin_by\s*\("),
    ("try_cast(", r"\btry_cast\s*\("),  # dbt.safe_cast, or nullif + cast
    ("::", r"::"),  # cast(... as ...)
    ("//", r"//"),  # int_div
    ("group by all", r"\bgroup\s+by\s+all\b"),
    ("order by all", r"\border\s+by\s+all\b"),
    ("qualify", r"\bqualify\b"),
    ("filter (where", r"\bfilter\s*\(\s*where\b"),  # sum/count(case when ...)
    ("exclude (", r"\bexclude\s*\("),  # list the columns
    ("* replace (", r"\*\s*replace\s*\("),
    ("union by name", r"\bunion\s+(all\s+)?by\s+name\b"),
    ("pivot", r"\b(un)?pivot\b"),
    ("asof / positional join", r"\b(asof|positional)\s+join\b"),
    ("columns(", r"\bcolumns\s*\("),
    ("ilike", r"\bilike\b"),
)

# (model file relative to models/, construct) -> why it stays. Keep in step with the
# "Portable SQL" paragraph of docs/scale.md.
ALLOWED: dict[tuple[str, str], str] = {
    ("intermediate/int_submissions__quarterly.sql", "regexp_extract("): (
        "reads region code and period from free-form file names; no dbt cross-database macro; "
        "Spark and Trino have regexp_extract with the same arguments"
    ),
}

_JINJA_OPEN = {"{{": "}}", "{%": "%}", "{#": "#}"}


def mask_non_sql(text: str) -> str:
    """Blank out comments, string literals, quoted identifiers and Jinja tags; keep newlines."""
    out: list[str] = []
    i, n = 0, len(text)

    def blank(chunk: str) -> str:
        return "".join(c if c == "\n" else " " for c in chunk)

    while i < n:
        two = text[i : i + 2]
        if two in _JINJA_OPEN:
            # a tag may hold another, e.g. {{ config(pre_hook="{{ macro() }}") }}: match nesting
            close, depth, end = _JINJA_OPEN[two], 1, i + 2
            while depth and end < n:
                if text.startswith(two, end):
                    depth, end = depth + 1, end + 2
                elif text.startswith(close, end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
        elif two == "--":
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif text[i] in "'\"":
            quote, end = text[i], i + 1
            while end < n:  # a doubled quote is an escaped quote
                if text[end] == quote and text[end + 1 : end + 2] != quote:
                    break
                end += 2 if text[end] == quote else 1
            end = min(end + 1, n)
            out.append(quote + blank(text[i + 1 : end - 1]) + (quote if end - 1 > i else ""))
            i = end
            continue
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(blank(text[i:end]))
        i = end
    return "".join(out)


def find_duckdb_only(text: str) -> list[tuple[int, str, str]]:
    """(line number, construct, line) for every DuckDB-only construct in the SQL outside macros."""
    masked = mask_non_sql(text).splitlines()
    original = text.splitlines()
    found = []
    for number, line in enumerate(masked, start=1):
        for name, pattern in DENY:
            if re.search(pattern, line, flags=re.IGNORECASE):
                found.append((number, name, original[number - 1].strip()))
    return found


def model_files() -> list[Path]:
    return sorted(p for d in SCANNED for p in (MODELS / d).glob("*.sql"))


def test_models_use_no_duckdb_only_sql() -> None:
    files = model_files()
    assert len(files) >= 25, files  # the scan really reads the models
    offences, used = [], set()
    for path in files:
        rel = path.relative_to(MODELS).as_posix()
        for number, name, line in find_duckdb_only(path.read_text(encoding="utf-8")):
            if (rel, name) in ALLOWED:
                used.add((rel, name))
            else:
                offences.append(f"{rel}:{number}: {name}  {line}")
    assert not offences, (
        "DuckDB-only SQL in models (use a dbt cross-database macro or macros/portable.sql; "
        "模型中出现 DuckDB 专有 SQL):\n" + "\n".join(offences)
    )
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"allow-list entries no longer needed, remove them: {stale}"


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("select\n    make_date(y, 1, 1) as d\nfrom t", [(2, "make_date(")]),
        ("select x::integer from t", [(1, "::")]),
        ("select count(*) FILTER(WHERE ok) from t", [(1, "filter (where")]),
        ("select a from t group  by all", [(1, "group by all")]),
        ("select arg_max(v, y), string_agg(s, ',') from t", [(1, "string_agg("), (1, "arg_max(")]),
        ("select * from (select unnest([1, 2]) as q)", [(1, "unnest("), (1, "list literal or index [")]),
        ("select t.* exclude (a) from t", [(1, "exclude (")]),
        ("select * replace (a + 1 as a), replace(b, 'x', 'y') from t", [(1, "* replace (")]),
        ("select a // 3 from t", [(1, "//")]),
        # Not SQL the engine sees: comments, strings, Jinja.
        ("-- make_date(y, 1, 1) and x::int\nselect 1", []),
        ("/* string_agg(\n arg_max( */ select 1", []),
        ("select 'a::b // c [1]', \"make_date(\" from t", []),
        ("select 'it''s make_date(' from t", []),
        ("select {{ date_from_parts('y', 1, 1) }} from t {# unnest( #}", []),
        ("{% for y in range(3) %}select {{ y }}{% endfor %}", []),
        # a tag holding another tag in a string must not end at the inner one
        ('{{ config(pre_hook="{{ m() }}") }}\nselect make_date(y, 1, 1)', [(2, "make_date(")]),
        # ... but what follows a closed comment or string is scanned again.
        ("select 'x' || try_cast(a as int) -- ok\nfrom t", [(1, "try_cast(")]),
    ],
)
def test_scanner_reports_duckdb_only_sql(snippet: str, expected: list[tuple[int, str]]) -> None:
    assert sorted((n, c) for n, c, _ in find_duckdb_only(snippet)) == sorted(expected)


def test_portable_macro_forms_match_duckdb(tmp_path: Path) -> None:
    """The `default__` forms other engines get compute the same values as DuckDB's native ones,
    here for every day of 1999–2036, every quarter and integer division up to 100."""
    query = """
    with days as (
        select cast(d as date) as d from range(date '1999-01-01', date '2037-01-01', interval 1 day) as t (d)
    ), parts as (
        select d, year(d) as y, month(d) as m, day(d) as dd, quarter(d) as q from days
    )
    select
        count(*) filter (where {{ default__date_from_parts('y', 'm', 'dd') }} is distinct from d) as bad_date,
        count(*) filter (where {{ quarter_start('y', 'q') }} is distinct from date_trunc('quarter', d)) as bad_q_start,
        count(*) filter (where {{ quarter_end('y', 'q') }}
            is distinct from last_day(make_date(y, 3 * q, 1))) as bad_q_end,
        count(*) filter (where {{ default__int_div('dd + m', 3) }} is distinct from (dd + m) // 3) as bad_div,
        (select count(*) from {{ values_table('k', [1, 2, 3, 'x'], 'varchar') }} as v) as n_values,
        count(*) as n_days
    from parts
    """
    proc = run_dbt(
        "show",
        "--quiet",
        "--output",
        "json",
        "--inline",
        query,
        warehouse=tmp_path / "empty.duckdb",
        tmp_path=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    row = json.loads(proc.stdout[proc.stdout.index("{") :])["show"][0]
    assert row == {
        "bad_date": 0,
        "bad_q_start": 0,
        "bad_q_end": 0,
        "bad_div": 0,
        "n_values": 4,
        "n_days": 13880,
    }
