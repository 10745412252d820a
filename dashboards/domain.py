"""Domain pages (production safety, road traffic, fires, natural disasters, enforcement).

Each page shows the domain's indicators from marts.fct_indicator_values for the selected region
and period, their annual trends and the quarters of the selected year, then the domain's
breakdowns (sector, category, grade, month, vehicle, place, cause, hazard, inspection kind) from
the pre-aggregated marts.fct_breakdowns. The domains, their breakdowns and the measures each
breakdown shows are the seeds domains, breakdowns and breakdown_measures (dbt_project/seeds),
which dbt reads too. Breakdowns the marts do not publish (months outside production safety) are
listed as pending instead of scanning record tables at view time.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import components, data, figures, rate_decomposition
from dashboards.cards import card_model, denominator_note, pick_rows
from dashboards.formatting import (
    format_indicator_value,
    format_pct_change,
    format_signed,
    format_value,
    partial_label,
    period_label,
)
from dashboards.i18n import t
from dashboards.state import Context
from pipelines.exports.denominators import STATUS_COLUMN, denominator_status
from pipelines.settings import DBT_PROJECT_DIR

# Seeds are not in the serving copy (pipelines/publish.py copies marts, quality and meta only):
# the domains, their breakdowns and the measures each shows are read from the seed files that
# int_breakdowns__quarterly and fct_breakdowns join, not repeated here.
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


def _seed(name: str) -> list[dict[str, str]]:
    """Rows of dbt_project/seeds/<name>.csv, in display_order."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return sorted(csv.DictReader(f), key=lambda r: int(r["display_order"]))


@dataclass(frozen=True)
class Breakdown:
    """One breakdown of marts.fct_breakdowns shown on a domain page (seed breakdowns)."""

    key: str  # fct_breakdowns.breakdown
    measures: tuple[str, ...]  # seed breakdown_measures of the domain, in display order
    order: tuple[str, ...] | None = None  # fixed category order (grades); else by value
    adds_up: bool = True  # False when a record counts under several categories


@dataclass(frozen=True)
class DomainSeed:
    """A domain as the seeds state it: its name in the marts, page, title and breakdowns."""

    domain: str  # fct_breakdowns.domain (seed domains)
    page: str  # the page key (DOMAINS, dashboards/views)
    title_key: str  # i18n label of the page title
    breakdowns: tuple[Breakdown, ...]


def load_domain_seeds() -> dict[str, DomainSeed]:
    """Seeds domains, breakdowns and breakdown_measures by page key, in display order."""
    measures: dict[str, list[str]] = {}
    for m in _seed("breakdown_measures"):
        measures.setdefault(m["domain"], []).append(m["measure_code"])
    breakdowns: dict[str, list[Breakdown]] = {}
    for b in _seed("breakdowns"):
        breakdowns.setdefault(b["domain"], []).append(
            Breakdown(
                b["breakdown"],
                tuple(measures.get(b["domain"], ())),
                order=tuple(b["category_order"].split()) or None,
                adds_up=b["adds_up"].strip().lower() == "true",
            )
        )
    return {
        d["page"]: DomainSeed(d["domain"], d["page"], d["title_key"], tuple(breakdowns.get(d["domain"], ())))
        for d in _seed("domains")
    }


SEEDED = load_domain_seeds()


@dataclass(frozen=True)
class Domain:
    key: str
    title_key: str
    counts: tuple[str, ...]
    rates: tuple[str, ...]
    quarter_codes: tuple[str, ...]
    grades: bool = False
    prev5: bool = False
    mart_domain: str = ""  # fct_breakdowns.domain
    breakdowns: tuple[Breakdown, ...] = ()

    @property
    def pending(self) -> tuple[str, ...]:
        """Breakdowns the marts do not publish for this domain (months), listed as pending."""
        return () if any(b.key == "month" for b in self.breakdowns) else ("bd_month",)


def _domain(page: str, **indicators: Any) -> Domain:
    """The page `page`: its indicators (given here) and what the seeds state about its domain."""
    seed = SEEDED[page]
    return Domain(
        key=page, title_key=seed.title_key, mart_domain=seed.domain, breakdowns=seed.breakdowns, **indicators
    )


DOMAINS: dict[str, Domain] = {
    "production_safety": _domain(
        "production_safety",
        counts=(
            "ps_accidents",
            "ps_deaths",
            "ps_injuries",
            "ps_accidents_larger_plus",
            "ps_accidents_larger",
            "ps_accidents_major",
            "ps_accidents_extraordinary",
            "imc_deaths",
            "se_deaths",
        ),
        rates=("ps_deaths_per_100m_gdp", "imc_deaths_per_100k_workers", "se_deaths_per_10k_units"),
        quarter_codes=("ps_accidents", "ps_deaths"),
        grades=True,
    ),
    "road_traffic": _domain(
        "road_traffic",
        counts=("road_accidents", "road_deaths", "road_injuries"),
        rates=("road_deaths_per_10k_vehicles",),
        quarter_codes=("road_accidents", "road_deaths"),
    ),
    "fires": _domain(
        "fires",
        counts=("fire_count", "fire_deaths", "fire_injuries", "fire_direct_loss"),
        rates=("fire_deaths_per_100k_pop",),
        quarter_codes=("fire_count", "fire_deaths"),
    ),
    "disasters": _domain(
        "disasters",
        counts=(
            "nd_affected_person_times",
            "nd_deaths_missing",
            "nd_deaths",
            "nd_missing",
            "nd_relocated",
            "nd_collapsed_houses",
            "nd_crop_affected_area",
            "nd_direct_loss",
            "forest_fire_count",
            "forest_damaged_area",
        ),
        rates=(
            "nd_deaths_missing_per_1m_pop",
            "nd_loss_pct_gdp",
            "nd_affected_per_100k_pop",
            "forest_fire_damage_permille",
        ),
        quarter_codes=("nd_deaths_missing", "nd_relocated"),
        prev5=True,
    ),
    "enforcement": _domain(
        "enforcement",
        counts=(
            "enf_inspections",
            "enf_penalties",
            "enf_fines",
            "enf_suspensions",
            "enf_closures",
            "hazards_found",
            "hazards_major_found",
            "hazards_rectified",
        ),
        rates=("hazard_rectification_pct",),
        quarter_codes=("enf_inspections", "enf_penalties"),
    ),
}

# The production-safety breakdown measures and the grade order, as the seeds state them.
PS_MEASURES = DOMAINS["production_safety"].breakdowns[0].measures
GRADE_ORDER = next(b.order for b in DOMAINS["production_safety"].breakdowns if b.key == "grade") or ()


def period_table(rows: dict[str, dict], codes: tuple[str, ...], lang: str, prev5: bool) -> pd.DataFrame:
    out = []
    for code in codes:
        r = rows.get(code)
        if r is None:
            continue
        rec = {
            t("col_indicator", lang): r.get("indicator_name_en")
            if lang == "en"
            else r.get("indicator_name_zh"),
            t("col_period", lang): period_label(str(r["period_type"]), str(r["period"]), lang),
            t("col_value", lang): format_indicator_value(r, lang),
            t("col_yoy_abs", lang): format_signed(r.get("yoy_abs"), r.get("unit"), lang, r.get("unit_en")),
            t("col_yoy_pct", lang): format_pct_change(r.get("yoy_pct")),
        }
        if prev5:
            rec[t("col_prev5_pct", lang)] = format_pct_change(r.get("vs_prev5_mean_pct"))
        rec[t("col_released", lang)] = str(r.get("released_on") or "")[:10]
        rec[t("col_break", lang)] = (r.get("break_note_en") if lang == "en" else r.get("break_note_zh")) or ""
        # where a rate's denominator comes from (another year's, estimated, a closed year carried)
        den_year = r.get("denominator_year")
        rec[t("col_den_year", lang)] = "" if den_year is None or pd.isna(den_year) else str(int(den_year))
        rec[t("col_den_note", lang)] = denominator_note(r, lang) or ""
        out.append(rec)
    return pd.DataFrame(out)


def with_denominator_status(values: pd.DataFrame) -> pd.DataFrame:
    """The mart rows with the denominator_status column the exports carry (denominators.py)."""
    if values.empty:
        return values
    out = values.copy()
    statuses = [denominator_status(r) for r in data.records(values)]
    out[STATUS_COLUMN] = pd.Series(statuses, index=out.index, dtype=object)  # None stays None
    return out


def render_domain(ctx: Context, key: str) -> None:
    dom = DOMAINS[key]
    lang = ctx.lang
    st.title(t("domain_title", lang, domain=t(dom.title_key, lang), region=ctx.region_name))
    codes = dom.counts + dom.rates
    values = (
        data.values_for_period(ctx.db, ctx.region, ctx.period_type, ctx.period)
        if ctx.period_type and ctx.period
        else pd.DataFrame()
    )
    annual = data.annual_series(ctx.db, ctx.region)
    annual = annual[annual["indicator_code"].isin(codes)] if not annual.empty else annual
    rows = pick_rows(values, ctx.period_type, ctx.period)
    present = [c for c in codes if c in rows]
    if not present and annual.empty:
        st.info(t("domain_no_data", lang))
        if dom.pending:
            st.caption(t("pending_breakdowns", lang, items=", ".join(t(k, lang) for k in dom.pending)))
        return
    if dom.prev5:
        st.caption(t("vs_prev5_note", lang))

    # headline numbers of the domain for the period: the first counts, then the rates
    cards = [c for c in (*dom.counts[:4], *dom.rates) if c in rows][:8]
    for start in range(0, len(cards), 4):
        cols = st.columns(4)
        for col, code in zip(cols, cards[start : start + 4], strict=False):
            with col:
                components.kpi_card(
                    card_model(code, rows[code], None, lang),
                    lang,
                    spark=components.spark_values(annual, code, ctx.year),
                )

    st.subheader(t("domain_table", lang) + f" · {ctx.period_text}")
    table_df = period_table(rows, codes, lang, dom.prev5)
    export = with_denominator_status(
        values[values["indicator_code"].isin(codes)] if not values.empty else values
    )
    if not table_df.empty:
        components.table(
            table_df, lang, name=f"{key}_{ctx.region}_{ctx.period}", key=f"{key}_table", export=export
        )
    decomposition_notes(ctx, [c for c in dom.rates if c in rate_decomposition.PARTS and c in rows], rows)
    components.source_caption(
        lang,
        ["marts.fct_indicator_values"],
        components.formula_text(ctx.db, [c for c in dom.rates if c in rows], lang) or None,
        components.vintage_text(export, lang),
    )

    if not annual.empty:
        st.subheader(t("domain_trend", lang))
        shown = [c for c in codes if c in set(annual["indicator_code"])]
        components.chart(
            figures.domain_trends(ctx.db, ctx.region, tuple(shown), lang, dom.prev5),
            key=f"{key}_trend",
            filename=f"{key}_trend_{ctx.region}",
        )
        components.source_caption(
            lang,
            ["marts.fct_indicator_values (period_type = year)"],
            components.formula_text(ctx.db, [c for c in dom.rates if c in shown], lang) or None,
            components.vintage_text(annual, lang),
        )

    if dom.grades and not annual.empty and "ps_accidents" in set(annual["indicator_code"]):
        st.subheader(t("domain_grades", lang))
        components.chart(
            figures.grades(ctx.db, ctx.region, lang),
            key=f"{key}_grades",
            filename=f"{key}_grades_{ctx.region}",
        )
        components.source_caption(
            lang,
            ["marts.fct_indicator_values"],
            t("grade_formula", lang),
            components.vintage_text(annual, lang),
        )

    if ctx.year:
        quarters = data.quarter_values(ctx.db, ctx.region, ctx.year)
        qcodes = [c for c in dom.quarter_codes if not quarters.empty and c in set(quarters["indicator_code"])]
        if qcodes:
            st.subheader(t("domain_quarters", lang, year=ctx.year))
            components.chart(
                figures.quarters(ctx.db, ctx.region, ctx.year, tuple(qcodes), lang),
                key=f"{key}_quarters",
                filename=f"{key}_quarters_{ctx.region}_{ctx.year}",
            )
            components.source_caption(
                lang,
                ["marts.fct_indicator_values (period_type = quarter)"],
                None,
                components.vintage_text(quarters, lang),
            )

    for bd in dom.breakdowns:
        render_breakdown(ctx, dom, bd)

    if dom.pending:
        st.info(t("pending_breakdowns", lang, items=", ".join(t(k, lang) for k in dom.pending)), icon="🧩")


def decomposition_notes(ctx: Context, gdp_rates: list[str], rows: dict[str, dict]) -> None:
    """Under the table, for each GDP-based rate shown: its 同比 split into the numerator's part and
    GDP growth's part (marts.fct_rate_decomposition), so a price effect is not read as a safety gain."""
    lang = ctx.lang
    lines: list[str] = []
    for code in gdp_rates:
        row = rows[code]  # the shown row: the full year when a Q4 YTD falls back to it
        split = rate_decomposition.decomposition(
            ctx.db, ctx.region, str(row["period_type"]), str(row["period"])
        )
        name = str(row.get("indicator_name_en" if lang == "en" else "indicator_name_zh"))
        lines += rate_decomposition.lines_for(split, [code], {code: name}, lang)
    for line in lines:
        st.caption(line)
    if lines:
        st.caption(t("decomp_caption", lang))


# ------------------------------------------------------------------------------------ breakdowns


def breakdown_period(ctx: Context, bd: Breakdown) -> tuple[str, str] | None:
    """(period_type, period) a breakdown is read for: months only for the selected full year."""
    if bd.key == "month":
        return ("year", str(ctx.year)) if ctx.year else None
    if ctx.period_type and ctx.period:
        return ctx.period_type, ctx.period
    return None


def _period_bounds(period_type: str, period: str) -> tuple[dt.date, dt.date]:
    """(start of the year-earlier base period, end of the period) of a year or YTD period."""
    year = int(period[:4])
    if period_type == "year" or period.endswith("Q4"):
        return dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
    q = int(period[-1])
    return dt.date(year - 1, 1, 1), dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)


def break_notes(
    breaks: pd.DataFrame, measures: tuple[str, ...], period_type: str, period: str, lang: str
) -> str:
    """Notes of the registered series breaks (dim_series_breaks) of these measures that fall between
    the year-earlier base and the end of the period: their 同比 is blank in the mart."""
    if breaks.empty or "measure_code" not in breaks.columns:
        return ""
    start, end = _period_bounds(period_type, period)
    notes: list[str] = []
    for r in data.records(breaks):
        if r.get("measure_code") not in measures or bool(r.get("restated_base")):
            continue
        eff = pd.to_datetime(r.get("effective_from")).date()
        note = str(r.get("note_en") if lang == "en" else r.get("note_zh") or "")
        if start < eff <= end and note not in notes:
            notes.append(note)
    return ("; " if lang == "en" else ";").join(notes)


def breakdown_table(df: pd.DataFrame, bd: Breakdown, lang: str) -> pd.DataFrame:
    """Categories × measures: value (k/n when partial) and 同比 per measure, in chart order."""
    rows = data.records(df)
    cat_col = t(f"bdcol_{bd.key}", lang)
    first = bd.measures[0]
    lead = {str(r["category_code"]): float(r["value"] or 0) for r in rows if r["measure_code"] == first}
    cats: dict[str, str] = {}
    for r in rows:
        cats[str(r["category_code"])] = str(r.get("category_name_en" if lang == "en" else "category_name_zh"))
    if bd.key == "month" or bd.order:
        rank = {c: i for i, c in enumerate(bd.order or ())}
        ordered = sorted(cats, key=lambda c: (rank.get(c, len(rank)), c))
    else:
        ordered = sorted(cats, key=lambda c: (-lead.get(c, 0.0), c))
    by_key = {(str(r["category_code"]), str(r["measure_code"])): r for r in rows}
    names = {
        str(r["measure_code"]): str(r.get("measure_name_en" if lang == "en" else "measure_name_zh"))
        for r in rows
    }
    out: list[dict[str, Any]] = []
    for c in ordered:
        rec: dict[str, Any] = {cat_col: cats[c]}
        for m in bd.measures:
            if m not in names:
                continue
            cell = by_key.get((c, m))
            text = format_value(cell.get("value"), cell.get("unit"), lang) if cell else "—"
            if cell and cell.get("completeness") == "partial":
                text = f"{partial_label(cell.get('coverage_k'), cell.get('coverage_n'), lang)} {text}"
            rec[names[m]] = text
            rec[f"{names[m]} · {t('col_yoy_pct', lang)}"] = format_pct_change(
                cell.get("yoy_pct") if cell else None
            )
        out.append(rec)
    return pd.DataFrame(out)


def render_breakdown(ctx: Context, dom: Domain, bd: Breakdown) -> None:
    lang = ctx.lang
    st.subheader(t("bd_heading", lang, by=t(f"bdcol_{bd.key}", lang)))
    when = breakdown_period(ctx, bd)
    df = (
        data.breakdown(ctx.db, ctx.region, when[0], when[1], dom.mart_domain, bd.key)
        if when
        else pd.DataFrame()
    )
    if when and df.empty and when[0] == "ytd" and when[1].endswith("Q4"):
        when = ("year", when[1][:4])
        df = data.breakdown(ctx.db, ctx.region, when[0], when[1], dom.mart_domain, bd.key)
    if when is None or df.empty:
        st.caption(t("bd_none", lang))
        return
    period_type, period = when
    if bd.key == "month":
        st.caption(t("bd_month_year", lang, year=period))
    components.chart(
        figures.breakdown(
            ctx.db, ctx.region, period_type, period, dom.mart_domain, bd.key, bd.measures, lang, bd.order
        ),
        key=f"{dom.key}_bd_{bd.key}",
        filename=f"{dom.key}_{bd.key}_{ctx.region}_{period}",
    )
    components.table(
        breakdown_table(df, bd, lang),
        lang,
        name=f"{dom.key}_{bd.key}_{ctx.region}_{period}",
        key=f"{dom.key}_bd_{bd.key}_table",
        export=df,
    )
    names = [
        str(r.get("measure_name_en" if lang == "en" else "measure_name_zh"))
        for r in data.records(df.drop_duplicates("measure_code"))
    ]
    total = (", " if lang == "en" else "、").join(names)
    if not bd.adds_up:
        formula = t("bd_formula_multi", lang, total=total)
    elif dom.mart_domain == "production_safety":
        formula = t("bd_formula_ps", lang, total=total)
    else:
        formula = t("bd_formula_total", lang, total=total)
    components.source_caption(
        lang,
        [f"marts.fct_breakdowns (breakdown = {bd.key}, period_type = {period_type})", "marts.dim_measures"],
        formula,
        components.vintage_text(df, lang),
    )
    notes = break_notes(data.series_breaks(ctx.db), bd.measures, period_type, period, lang)
    if notes:
        st.caption("⚠ " + t("bd_break", lang, notes=notes))
