"""示例查询 / Example queries of the SQL workbench, over the analyst schema only (marts, quality,
meta). Each runs on the embedded sample and returns rows (tests/test_analyst_schema.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    key: str
    title_zh: str
    title_en: str
    sql: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


EXAMPLES: tuple[Example, ...] = (
    Example(
        "wenzhou_deaths_by_category",
        "温州市各区县分季度生产安全事故死亡人数(按 GB 6441 事故类别)",
        "Quarterly production-safety deaths by GB 6441 category, 温州 (Wenzhou) districts and counties",
        """-- 温州市(330300)下辖区县,按季度、GB 6441 事故类别的死亡人数(含失踪)
-- Deaths incl. missing per quarter and GB 6441 category, districts and counties of 温州 (330300)
SELECT r.region_code, r.name_zh AS region_name_zh, b.period, b.category_code,
       b.category_name_zh, b.category_name_en, b.value AS deaths, b.completeness
FROM marts.fct_breakdowns AS b
JOIN marts.dim_regions AS r ON r.region_code = b.region_code
WHERE r.parent_code = '330300'
  AND b.domain = 'production_safety' AND b.breakdown = 'category'
  AND b.measure_code = 'ps_deaths' AND b.period_type = 'quarter'
  AND b.value > 0
ORDER BY b.period DESC, r.region_code, b.value DESC""",
    ),
    Example(
        "counties_off_plan_path",
        "哪些县(区)劣于规划路径",
        "Which counties are worse than their plan path",
        """-- 县级规划目标:当前值劣于从基期到目标的直线路径(越低越好的指标高于路径,越高越好的低于路径)
-- County plan targets whose current value is worse than the straight path from baseline to target
SELECT p.region_code, p.jurisdiction_zh, p.plan_zh, p.indicator_zh, p.indicator_en,
       p.current_year, p.current_value, p.path_value, p.target_abs, p.unit, p.status
FROM marts.fct_plan_progress AS p
JOIN marts.dim_regions AS r ON r.region_code = p.region_code
WHERE r.level = 'county' AND p.path_value IS NOT NULL
  AND CASE WHEN p.target_kind = 'absolute_min' THEN p.current_value < p.path_value
           ELSE p.current_value > p.path_value END
ORDER BY p.region_code, p.indicator_code""",
    ),
    Example(
        "province_fire_rate_yoy",
        "各省最新年度火灾十万人口死亡率及同比",
        "Fire deaths per 100,000 population by province, latest year, with year-on-year change",
        """-- 省级地区最新年度的火灾十万人口死亡率(分子、分母、同比)
-- Latest year's fire death rate per 100k population of every province (numerator, denominator, 同比)
SELECT region_code, region_name_zh, region_name_en, period, value, unit, numerator,
       denominator, denominator_year, yoy_pct, completeness
FROM marts.fct_indicator_values
WHERE indicator_code = 'fire_deaths_per_100k_pop' AND period_type = 'year'
  AND region_level = 'province'
QUALIFY year = max(year) OVER (PARTITION BY region_code)
ORDER BY value DESC NULLS LAST""",
    ),
    Example(
        "reconciliation_mismatches",
        "记录汇总与报表数不一致的地区和时期",
        "Where record totals and published totals disagree",
        """-- 完整记录的汇总值与报表公布值不一致(差值按绝对值排序)
-- Complete record totals that differ from the published figure, largest difference first
SELECT c.region_code, r.name_zh AS region_name_zh, c.measure_code, m.name_zh AS measure_name_zh,
       c.period_type, c.year, c.quarter, c.records_value, c.report_value, c.difference,
       c.difference_pct
FROM marts.fct_reconciliation AS c
LEFT JOIN marts.dim_regions AS r ON r.region_code = c.region_code
LEFT JOIN marts.dim_measures AS m ON m.measure_code = c.measure_code
WHERE c.status = 'mismatch'
ORDER BY abs(c.difference) DESC""",
    ),
    Example(
        "ytd_deaths_vs_prev5",
        "全国 1-N 月累计各类死亡人数:同比与较近5年均值",
        "National year-to-date deaths: year-on-year and vs the previous five-year mean",
        """-- 全国最新 1-N 月累计(YTD)的各类死亡人数,同比与较近5年均值
-- The nation's latest year-to-date deaths by domain, vs last year and vs the five-year mean
SELECT indicator_code, indicator_name_zh, indicator_name_en, period_label_zh, value, unit,
       yoy_base_value, yoy_pct, prev5_mean, vs_prev5_mean_pct, break_flag, completeness
FROM marts.fct_indicator_values
WHERE region_code = '000000' AND period_type = 'ytd'
  AND indicator_code IN ('ps_deaths', 'road_deaths', 'fire_deaths', 'nd_deaths_missing')
QUALIFY period = max(period) OVER ()
ORDER BY display_order""",
    ),
    Example(
        "files_per_source",
        "各数据源的文件与行数(最近一次加载)",
        "Files and rows per raw source (latest load of each file)",
        """-- 每个文件取最近一次加载,按数据源汇总文件数、接收行数与拒收行数
-- Each file's latest load, summed per raw source: files, rows accepted and rejected
SELECT source, count(*) AS files, sum(rows_accepted) AS rows_accepted,
       sum(rows_rejected) AS rows_rejected,
       count(*) FILTER (WHERE status = 'rejected') AS files_rejected_whole,
       max(loaded_at) AS last_loaded_at
FROM (
    SELECT * FROM quality.load_log
    QUALIFY row_number() OVER (PARTITION BY source, file_path ORDER BY loaded_at DESC) = 1
)
GROUP BY source
ORDER BY source""",
    ),
)
