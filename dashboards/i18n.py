"""Every label of the dashboard, Chinese first. `t(key, lang)` looks one up.

Keep keys stable: tests refer to them. Add a key here rather than writing text in a page.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # app frame
    "app_short": ("应急管理统计", "Safety statistics"),
    "lang_switch": ("English", "English"),
    "lang_help": ("切换为英文界面", "Switch the interface to English (off = 中文)"),
    "sample_banner": (
        "合成样例数据 / SYNTHETIC SAMPLE:当前显示的是内置合成样例数据,不是真实统计数据,仅供演示和测试。",
        "SYNTHETIC SAMPLE / 合成样例数据: the figures shown are the embedded synthetic sample, "
        "not real statistics; for demonstration and testing only.",
    ),
    "no_serving": (
        "尚未发布数据:找不到只读发布库 {path}。请先运行 `make refresh` 或 `safety-stats refresh`。",
        "No published data: the read-only serving copy {path} does not exist. Run `make refresh` "
        "or `safety-stats refresh` first.",
    ),
    "published_at": ("数据发布时间 {ts}(UTC)", "Published {ts} (UTC)"),
    "rendered_in": (
        "本页生成用时 {s} 秒 · {page} · {region} · {period}",
        "Page built in {s} s · {page} · {region} · {period}",
    ),
    # navigation
    "section_main": ("规划与总览", "Plan and overview"),
    "section_domains": ("分领域", "Domains"),
    "section_about": ("数据与口径", "Data and definitions"),
    "page_overview": ("总览", "Overview"),
    "page_plan": ("规划进度", "Trend vs plan"),
    "page_regions": ("分地区", "By region"),
    "page_ps": ("安全生产", "Production safety"),
    "page_road": ("道路交通", "Road traffic"),
    "page_fire": ("火灾", "Fires"),
    "page_disaster": ("自然灾害", "Natural disasters"),
    "page_enforcement": ("执法检查", "Enforcement"),
    "page_quality": ("数据质量", "Data quality"),
    "page_sources": ("来源与定义", "Sources and definitions"),
    "page_exports": ("数据导出", "Exports"),
    # sidebar filters
    "filters": ("筛选", "Filters"),
    "region": ("地区", "Region"),
    "region_level_1": ("全国 / 省级", "National / province"),
    "region_level_2": ("市级(或直辖市的区县)", "City (or district of a municipality)"),
    "region_level_3": ("县级", "County"),
    "region_all_children": ("(全部,不下钻)", "(all, no drill-down)"),
    "period": ("报告期", "Reporting period"),
    "period_help": (
        "1-N月累计(YTD)或全年;默认最新季度。无季度数据的地区只有全年。",
        "Year to date (Jan–N) or full year; the latest quarter by default. Regions without quarterly data have years only.",
    ),
    "period_ytd_suffix": ("累计", "YTD"),
    "period_year_suffix": ("全年", "full year"),
    "no_periods": ("该地区没有可用的指标数据。", "No indicator data for this region."),
    # overview
    "overview_title": ("{region} · {period}", "{region} · {period}"),
    "kpi_heading": ("核心指标", "Headline indicators"),
    "kpi_caption": (
        "约束性指标在前;数值为所选报告期(1-N月累计或全年),同比为与上年同期比较。",
        "Binding (约束性) targets first; values are for the selected period (year to date or full year), "
        "同比 compares with the same period a year earlier.",
    ),
    "kpi_formula_note": (
        "各卡片 ⓘ 中有时期、来源和数据版本;比率 = 分子 ÷ 分母 × 倍数,上级地区汇总分子和分母",
        "each card's ⓘ gives period, source and vintage; rate = numerator ÷ denominator × scale, "
        "parents sum numerators and denominators",
    ),
    "plan_formula_note": (
        "目标按规划原文登记;路径为基期到目标的直线;进度规则见“判定规则”列",
        "targets as published in the plan; path = straight line from baseline to target; status rules in the Rule column",
    ),
    "yoy": ("同比", "YoY"),
    "vs_prev5": ("较近5年均值", "vs 5-year mean"),
    "target": ("规划目标", "Plan target"),
    "status": ("进度", "Status"),
    "status_rule": ("判定规则", "Rule"),
    "current_value_plan": ("规划期实际", "Plan-period actual"),
    "no_data_period": ("本期无数据", "No data for this period"),
    "partial_note": (
        "部分:仅 {k}/{n} 个下级地区数据完整,数值不是合计;比率不计算。",
        "Partial: only {k} of {n} child regions are complete; the value is not a total and no rate is computed.",
    ),
    "partial_series": ("部分(数据不全)", "partial (incomplete)"),
    "within_noise": (
        "无明显变化证据:同比变化在随机波动范围内(计入多人伤亡事件的聚集和年际波动,"
        "并控制同页多重比较的错误发现率),不宜解读为真实上升或下降。",
        "No evidence of change: the change vs last year is within chance variation (allowing for "
        "deaths that come several to an event, year-to-year variation and the many comparisons on "
        "a page); do not read it as a real rise or fall.",
    ),
    "drivers": ("哪些下级地区拉动了变化:{indicator}", "Which child regions drive the change: {indicator}"),
    "drivers_caption": (
        "按同比增减的绝对数排列(前 {n} 个);绿色为向好,红色为变差。",
        "Ordered by the absolute change vs last year (top {n}); green improves, red worsens.",
    ),
    "rate_partial": ("部分地区数据不全,不计算比率", "not computed: partial coverage"),
    "break_note": ("口径变化:{note}", "Series break: {note}"),
    "value_source_report": ("报表数", "report table"),
    "value_source_records": ("记录汇总", "from records"),
    "fallback_year": ("(本期无累计数,显示全年)", " (no year-to-date figure; full year shown)"),
    "plan_table": ("本地区规划目标一览", "Plan targets of this region"),
    "plan_none": (
        "本地区在规划登记表中没有指标目标。可在侧栏选择北碚区、莲都区、阳谷县等有规划的地区。",
        "This region has no targets in the plan registry. Pick e.g. 北碚区, 莲都区 or 阳谷县 in the sidebar.",
    ),
    "plan_not_tracked_count": (
        "另有 {n} 项目标本系统无数据来源(仅登记,不评定)。",
        "{n} more targets have no data source in the warehouse (registered only, not assessed).",
    ),
    "show_not_tracked": ("显示未跟踪的目标", "Show untracked targets"),
    "binding_constraint": ("约束性", "binding"),
    "binding_expected": ("预期性", "expected"),
    "binding_none": ("未注明", "unspecified"),
    # plan page
    "plan_title": ("规划进度:{region}", "Trend vs plan: {region}"),
    "plan_intro": (
        "年度与季度序列(2016年起),基期、基期到目标的直线路径、目标线;阴影为当前规划期;◆ 为口径变化。",
        "Annual and quarterly series from 2016 with the baseline, the straight path from baseline to target and "
        "the target line; the shaded band is the current plan period; ◆ marks a series break.",
    ),
    "indicator": ("指标", "Indicator"),
    "indicators": ("指标", "Indicators"),
    "annual": ("年度", "Annual"),
    "quarterly": ("季度", "Quarterly"),
    "baseline": ("基期", "Baseline"),
    "path": ("规划路径", "Plan path"),
    "target_line": ("目标", "Target"),
    "plan_period_band": ("{name}规划期", "{name} period"),
    "break_marker": ("口径变化", "Series break"),
    "per_year_cap": ("累计上限折合每年", "Cumulative cap per year"),
    "no_series": ("该地区没有此指标的数据。", "No data for this indicator in this region."),
    "headline_no_targets": (
        "本地区没有规划目标,显示核心指标趋势。",
        "This region has no plan targets; headline indicator trends are shown.",
    ),
    # regions page
    "regions_title": ("分地区:{region} 的下级地区", "By region: children of {region}"),
    "regions_none": ("{region} 没有有数据的下级地区。", "{region} has no child regions with data."),
    "rank_by_value": ("按数值排名", "Ranked by value"),
    "rank_by_change": ("按同比变化排名", "Ranked by change vs last year"),
    "count_beside_rate": ("分子(事件数)", "Numerator (count)"),
    "drill_to": ("下钻到", "Drill down to"),
    "drill_button": ("进入所选地区", "Go to the selected region"),
    "drill_hint": ("在表格中选中一行也可下钻。", "Selecting a row in the table also drills down."),
    "small_numbers": (
        "小数字提示:分子小于 {n} 时,比率和变化率主要反映随机波动,请结合绝对数判断。",
        "Small numbers: with fewer than {n} events, rates and percent changes mostly reflect chance; read them with the counts.",
    ),
    "signal": ("变化是否显著", "Signal?"),
    "signal_yes": ("显著", "signal"),
    "reliability_low": (
        "事件数少(有效事件不足 20 起),数值不稳定,请结合绝对数阅读。",
        "Few events (under 20 effective events): the figure is unreliable; read it with the counts.",
    ),
    "signal_no": ("无明显变化证据", "no evidence of change"),
    "signal_help": (
        "条件二项检验,计入一起事故多人伤亡的聚集和年际波动;同一页面的比较按 Benjamini–Hochberg "
        "控制错误发现率,q < 0.05 为显著,否则为无明显变化证据(灰色)。详见“统计方法”页。",
        "Conditional binomial test allowing for deaths clustered in events and year-to-year "
        "variation; the comparisons of a page are screened by Benjamini–Hochberg false-discovery "
        "control: q < 0.05 is significant, otherwise no evidence of change (grey). See the Methods page.",
    ),
    # columns
    "col_region": ("地区", "Region"),
    "col_region_code": ("区划代码", "Region code"),
    "col_indicator": ("指标", "Indicator"),
    "col_period": ("时期", "Period"),
    "col_value": ("数值", "Value"),
    "col_unit": ("单位", "Unit"),
    "col_numerator": ("分子", "Numerator"),
    "col_denominator": ("分母", "Denominator"),
    "col_yoy_abs": ("同比增减", "Change vs last year"),
    "col_yoy_pct": ("同比%", "YoY %"),
    "col_prev5_pct": ("较近5年均值%", "vs 5-yr mean %"),
    "col_source": ("来源", "Source"),
    "col_released": ("数据版本(发布日期)", "Vintage (released)"),
    "col_break": ("口径变化", "Series break"),
    "col_binding": ("属性", "Binding"),
    "col_baseline": ("基期值", "Baseline"),
    "col_target": ("目标", "Target"),
    "col_current": ("当前值", "Current"),
    "col_current_year": ("当前年份", "Current year"),
    "col_path": ("路径值", "Path value"),
    "col_status": ("进度", "Status"),
    "col_rule": ("判定规则", "Rule"),
    "col_plan": ("规划", "Plan"),
    "col_quote": ("规划原文", "Source sentence"),
    "col_dept": ("责任单位", "Responsible"),
    "complete": ("完整", "complete"),
    # domain pages
    "domain_title": ("{domain}:{region}", "{domain}: {region}"),
    "domain_trend": ("年度趋势", "Annual trend"),
    "domain_quarters": ("{year}年分季度", "Quarters of {year}"),
    "domain_grades": ("按事故等级", "By accident grade"),
    "domain_table": ("本期指标", "Indicators for the period"),
    "grade_formula": (
        "一般 = 生产安全事故起数 − 较大及以上起数;等级按条例第三条",
        "ordinary = all accidents − larger-or-above; grades per art. 3 of the 2007 regulation",
    ),
    "grade_ordinary": ("一般", "Ordinary"),
    "grade_larger": ("较大", "Larger"),
    "grade_major": ("重大", "Major"),
    "grade_extraordinary": ("特别重大", "Extraordinary"),
    "pending_breakdowns": (
        "待补充的分解:{items}。这些分解需要流水线先发布预汇总的数据集市,仪表板不在浏览时扫描原始记录。",
        "Breakdowns to come: {items}. They need pre-aggregated marts; the dashboard never scans raw records at view time.",
    ),
    "bd_month": ("按月份", "by month"),
    "bd_heading": ("按{by}", "By {by}"),
    "bdcol_sector": ("行业领域", "sector"),
    "bdcol_category": ("事故类别(GB 6441)", "accident category (GB 6441)"),
    "bdcol_grade": ("事故等级", "accident grade"),
    "bdcol_month": ("月份", "month"),
    "bdcol_operating_vehicle": ("是否涉及营运车辆", "operating vehicle"),
    "bdcol_vehicle_kind": ("车辆类型", "vehicle kind"),
    "bdcol_place_type": ("起火场所", "place"),
    "bdcol_cause": ("起火原因", "cause"),
    "bdcol_hazard": ("灾种", "hazard"),
    "bdcol_inspection_kind": ("检查方式", "inspection kind"),
    "bd_formula_total": ("各类别合计 = {total}", "categories add up to {total}"),
    "bd_formula_ps": (
        "不含核销事故和统计口径外行业;各类别合计 = {total}",
        "written-off accidents and sectors outside the scope excluded; categories add up to {total}",
    ),
    "bd_formula_multi": (
        "一起事故涉及多种车辆时在每种车辆下各计一次,各类别合计可大于{total}",
        "an accident involving several vehicle kinds counts once under each kind, so the kinds can add up to more than {total}",
    ),
    "bd_month_year": ("月度分布按全年发布:{year}年", "Months are published for full years: {year}"),
    "bd_none": ("本期没有该分解的数据。", "No data for this breakdown and period."),
    "bd_break": (
        "口径变化:{notes}(跨口径的同比不可比,已留空)",
        "Series break: {notes} (year-on-year changes across it are left blank)",
    ),
    "domain_no_data": ("该地区没有本领域的数据。", "No data for this domain in this region."),
    "vs_prev5_note": (
        "自然灾害按惯例与近5年均值比较(较近5年均值)。",
        "Natural-disaster figures are compared with the mean of the previous five years, as is customary.",
    ),
    # quality page
    "quality_title": ("数据质量", "Data quality"),
    "last_refresh": ("最近一次刷新", "Last refresh"),
    "raw_root": ("原始数据目录", "Raw drop"),
    "run_id": ("运行编号", "Run id"),
    "is_sample": ("样例数据", "Sample data"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "files_per_source": ("各来源各季度载入文件", "Files loaded per source and quarter"),
    "files_loaded": ("文件数", "Files"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_accepted": ("接受行数", "Rows accepted"),
    "rows_rejected": ("拒收行数", "Rows rejected"),
    "load_status": ("状态", "Status"),
    "quarter": ("季度", "Quarter"),
    "source": ("来源", "Source"),
    "file": ("文件", "File"),
    "loaded_at": ("载入时间", "Loaded at"),
    "message": ("说明", "Message"),
    "files_not_loaded": ("未成功载入的文件", "Files not loaded"),
    "file_period_note": (
        "时期取自文件名(YYYYQn 或 YYYY);文件名中没有时期或有多个时期时为载入窗口",
        "period taken from the file name (YYYYQn or YYYY); the load window when the name has none or several",
    ),
    "change_kind": ("变化", "Change"),
    "previous_rows": ("上次接受行数", "Rows accepted before"),
    "old_released": ("旧版本发布日期", "Old release"),
    "new_released": ("新版本发布日期", "New release"),
    "reconciliation_summary": ("共 {n} 项可核对,{m} 项不一致。", "{n} figures reconciled, {m} mismatches."),
    "reconciliation_formula": (
        "差额 = 记录汇总 − 报表数;相差不足 0.5 为一致",
        "difference = records − report; below 0.5 is a match",
    ),
    "records_value": ("记录汇总", "From records"),
    "report_value": ("报表数", "Report table"),
    "difference": ("差额", "Difference"),
    "difference_pct": ("差额%", "Difference %"),
    "rejects": ("拒收记录及原因", "Rejected rows and reasons"),
    "rejects_none": ("没有拒收记录。", "No rejected rows."),
    "reject_rule": ("规则", "Rule"),
    "reject_column": ("字段", "Column"),
    "reject_value": ("原值", "Value"),
    "reject_row": ("行号", "Row"),
    "reject_reasons": ("拒收原因汇总", "Rejections by reason"),
    "changes": ("本次刷新的变化", "What changed in the last refresh"),
    "changes_files": ("最近一次载入的文件", "Files of the latest load"),
    "changes_revisions": (
        "被新版本替代的报表数/分母(修订)",
        "Report and denominator figures superseded by a newer release (revisions)",
    ),
    "changes_none": ("没有被替代的版本。", "No superseded releases."),
    "changes_no_history": (
        "发布库中没有刷新历史(quality.refreshes),只能按文件比较。",
        "The serving copy has no refresh history (quality.refreshes); files are compared instead.",
    ),
    "changes_first": (
        "这是第一次发布,没有可比较的上一次发布。",
        "This is the first publication: there is no previous one to compare with.",
    ),
    "values_changed": ("较上次发布变动的指标值", "Indicator values changed since the previous publication"),
    "values_n": ("变动数值个数", "Values"),
    "regions_n": ("涉及地区数", "Regions"),
    "changes_in_region": ("{region}及其下级地区的变动", "Changes in {region} and its children"),
    "refresh_history": ("历次发布", "Publication history"),
    "changes_note": (
        "按文件:每个文件最近一次与上一次载入比较(新增/已变更/未变)。",
        "By file: each file's latest load compared with its previous one (new / changed / unchanged).",
    ),
    "reconciliation": ("记录与报表核对", "Records vs report tables"),
    "reconciliation_none": (
        "没有可核对的记录与报表数。",
        "No overlapping record and report figures to reconcile.",
    ),
    "old_value": ("旧值", "Old value"),
    "new_value": ("新值", "New value"),
    "measure": ("指标项", "Measure"),
    # sources page
    "sources_title": ("来源与定义", "Sources and definitions"),
    "registry": ("指标目录与公式", "Indicator registry and formulas"),
    "formula": ("公式", "Formula"),
    "regulation": ("依据", "Source regulation"),
    "better": ("方向", "Better"),
    "better_lower": ("越低越好", "lower is better"),
    "better_higher": ("越高越好", "higher is better"),
    "comparisons": ("比较口径", "Comparisons"),
    "comparisons_text": (
        "- **同比**:与上年同期比较(季度、1-N月累计、全年);跨口径变化时不计算。\n"
        "- **环比**:与上一季度比较。\n"
        "- **较近5年均值**:与前5年同期均值比较,5年数据齐全才计算。\n"
        "- **规划期**:计数为规划期累计,比率为年均(各年数值的平均)。\n"
        "- **部分(k/n)**:仅 k/n 个下级地区数据完整时,数值不是合计,也不计算比率。\n"
        "- 上级地区汇总分子和分母,不平均比率。",
        "- **YoY (同比)**: same period a year earlier (quarter, year to date, year); not computed across a series break.\n"
        "- **QoQ (环比)**: previous quarter.\n"
        "- **vs 5-year mean (较近5年均值)**: mean of the same period in the five previous years, only when all five exist.\n"
        "- **Plan period**: counts are totals so far, rates are annual means.\n"
        "- **Partial (部分 k/n)**: when only k of n child regions are complete the value is not a total and no rate is computed.\n"
        "- Parents sum numerators and denominators; rates are never averaged.",
    ),
    "chart_sources": ("各页面图表的来源", "Sources of each page's charts"),
    "page": ("页面", "Page"),
    "note": ("说明", "Note"),
    "plan_registry": ("规划目标登记表(含原文)", "Plan target registry (with source sentences)"),
    "vintages": (
        "数据版本(报表数和分母的各次发布)",
        "Vintages (every release of report and denominator figures)",
    ),
    "caption_source": ("来源:{tables}", "Source: {tables}"),
    "caption_formula": ("公式:{formula}", "Formula: {formula}"),
    "caption_vintage": ("数据版本:{vintage}", "Vintage: {vintage}"),
    "vintage_upto": ("截至 {date} 发布", "released up to {date}"),
    # exports
    "exports_title": ("数据导出", "Exports"),
    "exports_intro": (
        "每个表格都可下载为 CSV(UTF-8,Excel 可直接打开)或 Excel;每张图可用图右上角的相机按钮保存为 PNG。",
        "Every table downloads as CSV (UTF-8 with BOM, opens in Excel) or Excel; every chart saves as PNG "
        "with the camera button at its top right.",
    ),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "export_scope": ("导出范围", "Scope"),
    "export_region": ("所选地区及其下级", "Selected region and its children"),
    "export_all": ("全部地区", "All regions"),
    "export_table": ("数据表", "Table"),
    "rows": ("{n} 行", "{n} rows"),
    # operations: freshness, submissions, refresh report (issue 8)
    "freshness": ("数据时效", "Freshness"),
    "freshness_caption": (
        "判断日期 {date}:应报季度为报送期限(季末后若干天)已过的最近季度;完整季度为全部报送单位均已报送的最近季度。",
        "Judged on {date}: the quarter due is the latest whose deadline (days after quarter end) has passed; "
        "the complete quarter is the latest every reporting unit has submitted.",
    ),
    "fresh_fresh": ("及时", "fresh"),
    "fresh_stale": ("滞后", "behind"),
    "fresh_no_data": ("无数据", "no data"),
    "col_expected_period": ("应报至", "Due through"),
    "col_complete_period": ("完整至", "Complete through"),
    "col_data_period": ("最新有数", "Latest data"),
    "col_quarters_behind": ("滞后季度", "Quarters behind"),
    "col_days_overdue": ("逾期天数", "Days overdue"),
    "col_last_loaded": ("最近导入(UTC)", "Last loaded (UTC)"),
    "submissions": ("报送情况", "Submissions"),
    "submission_rates_caption": (
        "报送率 = 已报送单位 / 应报单位;及时率 = 期限内报送 / 已知接收时间的报送(首次导入的文件接收时间未知,不计入)。",
        "Submission rate = units that submitted / units due; timeliness = submitted by the deadline / "
        "submissions with a known receipt time (files of the first load have none).",
    ),
    "col_units_due": ("应报单位", "Units due"),
    "col_submitted": ("已报送", "Submitted"),
    "col_missing": ("缺报", "Missing"),
    "col_late": ("迟报", "Late"),
    "col_submission_rate": ("报送率%", "Submission rate %"),
    "col_timeliness_rate": ("及时率%", "Timeliness %"),
    "outstanding": ("缺报与迟报单位", "Missing and late units"),
    "outstanding_none": ("没有缺报或迟报的单位。", "No missing or late submissions."),
    "missing_note": (
        "缺报单位所覆盖地区的相关指标值标记为“部分”,不会显示为偏低的完整数。",
        "Indicator values resting on a missing submission are marked partial, never shown as a low total.",
    ),
    "col_reporting_unit": ("报送单位", "Reporting unit"),
    "col_deadline": ("报送期限", "Deadline"),
    "col_days_late": ("迟报天数", "Days late"),
    "sub_missing": ("缺报", "missing"),
    "sub_late": ("迟报", "late"),
    "refresh_report": ("刷新报告", "Refresh report"),
    "refresh_report_older": ("以往刷新报告", "Earlier refresh reports"),
    "reference_period": (
        "数据截至 {period}(全部报送单位已报送的最近季度) · 最近刷新 {ts} UTC",
        "Data complete through {period} (latest quarter every reporting unit has sent) · last refresh {ts} UTC",
    ),
    "reference_period_stale": (
        "{sources} 数据滞后于应报季度,详见“数据质量”页。",
        "{sources}: behind the quarter due; see the Data quality page.",
    ),
    # official-layout exports (综合报表 workbook and quarterly brief)
    "official_title": ("综合报表与季度简报", "Official report workbook and quarterly brief"),
    "official_intro": (
        "{region} · {quarter}:综合报表(Excel,本地区合计及下级地区逐行,本季度和1–N月累计的本期、上年同期、"
        "同比增减)和一页中文季度简报。",
        "{region} · {quarter}: the 综合报表 workbook (Excel; the region's total and one row per child region, "
        "quarter and year to date with current, same period last year and change) and a one-page brief in Chinese.",
    ),
    "download_workbook": ("下载综合报表(Excel)", "Download workbook (Excel)"),
    "download_brief_pdf": ("下载季度简报(PDF)", "Download quarterly brief (PDF)"),
    "download_brief_html": ("下载季度简报(HTML)", "Download quarterly brief (HTML)"),
    "brief_html_only": (
        "本机未安装 Chromium,季度简报以 HTML 提供,可在浏览器中打印为 PDF。",
        "Chromium is not installed here: the brief is HTML; print it to PDF from a browser.",
    ),
    "official_unavailable": (
        "{region} 在 {quarter} 没有季度数据,无法生成综合报表和简报。",
        "No quarterly values for {region} in {quarter}: no workbook or brief.",
    ),
    "official_pick_period": (
        "请在侧栏选择季度(1–N月累计)或年度,以生成综合报表和简报。",
        "Pick a quarter (year to date) or a year in the sidebar to build the workbook and brief.",
    ),
    # ---- analyst access: SQL workbench (views/workbench.py) and indicator registry (views/indicators.py)
    "page_workbench": ("SQL 查询", "SQL workbench"),
    "page_indicators": ("指标目录", "Indicator registry"),
    "wb_title": ("SQL 查询台", "SQL workbench"),
    "wb_intro": (
        "对只读发布库执行 SQL(DuckDB 语法),可读 marts、quality、meta 三个模式的全部表;写入、文件访问、"
        "ATTACH、安装或加载扩展、修改设置一律拒绝。每次最多返回 {rows} 行,超过 {seconds} 秒自动中止。",
        "Run SQL (DuckDB dialect) on the read-only serving copy: every table of the marts, quality and "
        "meta schemas; writes, file access, ATTACH, installing or loading extensions and settings changes "
        "are refused. At most {rows} rows per query; a query is stopped after {seconds} s.",
    ),
    "wb_example": ("示例查询", "Example query"),
    "wb_example_none": ("(自行编写)", "(write your own)"),
    "wb_sql": ("SQL 语句", "SQL"),
    "wb_run": ("运行", "Run"),
    "wb_rows": ("{n} 行 · 用时 {s} 秒", "{n} rows · {s} s"),
    "wb_truncated": (
        "结果超过 {rows} 行,只显示并导出前 {rows} 行;请加 WHERE 条件或 LIMIT。",
        "More than {rows} rows: only the first {rows} are shown and exported; add a WHERE or a LIMIT.",
    ),
    "wb_no_result": ("语句已执行,没有返回结果集。", "The statement ran and returned no result set."),
    "wb_empty": ("请输入 SQL 语句。", "Enter a query."),
    "wb_schema": ("表结构", "Schema browser"),
    "wb_table": ("数据表", "Table"),
    "wb_approx_rows": ("约 {n} 行", "about {n} rows"),
    "wb_preview": ("在编辑器中查询此表", "Query this table in the editor"),
    "wb_dictionary": (
        "数据字典(dbt docs:所有表和字段的中英文说明、血缘与 SQL)",
        "Data dictionary (dbt docs: every table and column in Chinese and English, lineage and SQL)",
    ),
    "wb_dictionary_missing": (
        "数据字典尚未生成:运行 `make docs`(`make run` 会自动生成)。",
        "The data dictionary has not been built: run `make docs` (`make run` builds it).",
    ),
    "ind_title": ("指标目录与计算方法", "Indicator registry and how each value is computed"),
    "ind_intro": (
        "每个指标的定义、分子及其行业范围、分母、倍数、单位和依据;选择一个指标可查看并运行重算其数值的 SQL"
        "(地区和时期取侧栏选择)。",
        "Each indicator's definition, numerator and its sector scope, denominator, scale, unit and source; "
        "pick one to see and run the SQL that recomputes its value (region and period from the sidebar).",
    ),
    "ind_pick": ("指标", "Indicator"),
    "ind_kind": ("类型", "Kind"),
    "ind_kind_count": ("计数", "count"),
    "ind_kind_rate": ("比率", "rate"),
    "ind_scope": ("分子行业范围", "Numerator sector scope"),
    "ind_scope_none": ("不分行业", "no sector scope"),
    "ind_scale": ("倍数", "Scale"),
    "ind_value_formula": (
        "数值 = 分子 × {scale} ÷ 分母(分子、分母均为标准单位)",
        "value = numerator × {scale} ÷ denominator (both in canonical units)",
    ),
    "ind_model": ("计算模型", "dbt models"),
    "ind_sql": ("计算该指标的 SQL", "The SQL that computes it"),
    "ind_sql_for": ("{region} · {period}", "{region} · {period}"),
    "ind_run": ("运行此 SQL", "Run this SQL"),
    "ind_no_value": (
        "所选地区和时期没有该指标的数值。",
        "No value of this indicator for the selected region and period.",
    ),
    "ind_match": ("重算值与发布值一致。", "The recomputed value equals the published value."),
    "ind_differs": (
        "重算值与发布值不同:见 value_source(报表数不来自记录)和 completeness。",
        "The recomputed value differs: see value_source (a report figure does not come from records) and completeness.",
    ),
}


# Honest statistics (issue 6): intervals, signal vs noise, funnel plots, attainment, methods page.
LABELS.update(
    {
        "ci95": ("95%置信区间:{low} – {high}", "95% interval: {low} – {high}"),
        "rr_line": (
            "同比率比 {rr}(95%区间 {low} – {high},p = {p},q = {q})",
            "Rate ratio vs last year {rr} (95% interval {low} – {high}, p = {p}, q = {q})",
        ),
        "signal_partial": ("数据不全,不判断显著性", "partial data: no verdict"),
        "signal_significant_help": (
            "变化超出随机波动范围(计入多人伤亡的聚集和年际波动,同页比较的错误发现率 q < 0.05)。",
            "The change is beyond chance variation (allowing for clustered deaths and year-to-year "
            "variation; false-discovery q < 0.05 among the page's comparisons).",
        ),
        "col_ci": ("95%置信区间", "95% interval"),
        "col_p": ("P值", "p-value"),
        "funnel_title": (
            "漏斗图:各下级地区比率与上级地区比较",
            "Funnel plot: child regions against the parent rate",
        ),
        "funnel_parent": ("{region} 比率 {value}", "{region} rate {value}"),
        "funnel_95": ("95% 控制限", "95% limits"),
        "funnel_998": ("99.8% 控制限", "99.8% limits"),
        "funnel_x": ("分母({unit},对数刻度)", "Denominator ({unit}, log scale)"),
        "funnel_inside": ("在随机波动范围内", "within chance variation"),
        "funnel_warn": ("超出95%控制限", "outside the 95% limits"),
        "funnel_alarm": ("超出99.8%控制限", "outside the 99.8% limits"),
        "funnel_exact": (
            "控制限为围绕上级地区比率的精确泊松界限(Spiegelhalter 2005)。",
            "Limits: exact Poisson around the parent region's rate (Spiegelhalter 2005).",
        ),
        "funnel_overdispersed": (
            "各地区差异超出泊松波动(φ = {phi}):控制限已按随机效应放宽(τ = {tau})。",
            "Regions differ more than Poisson noise (φ = {phi}): limits widened by a random effect (τ = {tau}).",
        ),
        "funnel_excluded": ("{n} 个地区数据不全,未画出。", "{n} regions with partial data are not plotted."),
        "funnel_caption": (
            "漏斗图代替按比率排名:落在控制限内的地区与上级地区的差异可由随机波动解释,排名先后没有意义。",
            "The funnel plot replaces a league table of rates: regions inside the limits differ from the parent "
            "by no more than chance, so their rank order means nothing.",
        ),
        "fan_label": ("预测区间(据{year}年及以前数据)", "Projection (data through {year})"),
        "fan_50": ("预测50%区间", "projection 50% band"),
        "fan_90": ("预测90%区间", "projection 90% band"),
        "fan_median": ("预测中位数", "projected median"),
        "attainment": ("实现概率", "Probability of meeting the target"),
        "attainment_line": (
            "按{year}年及以前数据预测:实现概率 {p}(预计{value},90%区间 {low} – {high};{method})",
            "Projected with data through {year}: probability {p} (projected {value}, 90% interval "
            "{low} – {high}; {method})",
        ),
        "attainment_observed": ("规划期数据已全部到位:{verdict}", "All plan years observed: {verdict}"),
        "attainment_history": ("各年评估的实现概率", "Probability as assessed each year"),
        "attainment_none": ("数据不足,无法估计实现概率", "Not enough data to estimate the probability"),
        # fct_plan_attainment.attainment_band (IPCC-style likelihood bands, docs/methods.md §4)
        "band_virtually_certain": ("几乎肯定实现", "virtually certain"),
        "band_likely": ("很可能实现", "likely"),
        "band_about_as_likely": ("实现与否可能性相当", "about as likely as not"),
        "band_unlikely": ("不太可能实现", "unlikely"),
        "band_very_unlikely": ("极不可能实现", "very unlikely"),
        "band_met": ("已实现", "met"),
        "band_not_met": ("未实现", "not met"),
        "method_poisson_trend": ("泊松回归趋势", "Poisson regression trend"),
        "method_quasi_poisson_trend": ("准泊松回归趋势(过度离散)", "quasi-Poisson trend (over-dispersed)"),
        "method_quasi_likelihood_trend": ("准似然趋势(金额、面积类)", "quasi-likelihood trend (amounts)"),
        "method_constant_rate": ("数据太少,按不变比率", "too few data: constant rate"),
        "method_observed": ("已观测", "observed"),
        "method_insufficient_data": ("数据不足", "insufficient data"),
        "fan_from": ("预测起点(数据截至)", "Projection from data through"),
        "page_methods": ("统计方法", "Methods"),
        "methods_title": ("统计方法:如何区分真实变化与随机波动", "Methods: telling real change from chance"),
    }
)


# sign-in and roles (dashboards/access.py, docs/access.md)
LABELS.update(
    {
        "role_leadership": ("领导", "leadership"),
        "role_analyst": ("分析人员", "analyst"),
        "role_statistician": ("统计人员", "statistician"),
        "role_none": ("无角色", "no role"),
        "auth_title": ("登录 · 应急管理统计", "Sign in · Safety statistics"),
        "auth_intro": (
            "请使用单位身份认证或本地账号登录。可见的页面取决于您的角色(领导、分析人员、统计人员)。",
            "Sign in with your organisation's identity provider or a local account. The pages you see "
            "depend on your role (leadership, analyst, statistician).",
        ),
        "auth_oidc_button": ("使用单位身份认证登录({provider})", "Sign in with {provider}"),
        "auth_name": ("用户名", "User name"),
        "auth_password": ("密码", "Password"),
        "auth_submit": ("登录", "Sign in"),
        "auth_failed": ("用户名或密码错误。", "Wrong user name or password."),
        "auth_locked": (
            "连续登录失败次数过多,请 {s} 秒后再试。",
            "Too many failed sign-ins: try again in {s} s.",
        ),
        "auth_signed_in": ("已登录:{name}({role})", "Signed in: {name} ({role})"),
        "auth_sign_out": ("退出登录", "Sign out"),
        "auth_open_note": (
            "未配置登录:仅在本机(127.0.0.1)提供服务,所有访问者均按本机统计人员处理。对外提供服务前请配置登录(docs/access.md)。",
            "No sign-in configured: served on this machine (loopback) only, everyone is a local "
            "statistician. Configure sign-in before serving it to others (docs/access.md).",
        ),
        "auth_exposed": (
            "拒绝服务:仪表盘监听在 {address}(非本机地址),但未配置登录。请配置 OIDC(secrets.toml [auth])"
            "或本地用户文件(safety-stats users add),或改为监听 127.0.0.1。详见 docs/access.md。",
            "Refusing to serve: the dashboard listens on {address} (not loopback) and no sign-in is "
            "configured. Configure OIDC (secrets.toml [auth]) or the local user file (safety-stats "
            "users add), or listen on 127.0.0.1. See docs/access.md.",
        ),
        "auth_config_error": (
            "登录配置有误,不提供数据:{error}",
            "The sign-in configuration is unusable; no data is served: {error}",
        ),
        "auth_no_role": (
            "{name} 已通过身份认证,但未分配角色,无法查看数据。请联系管理员在角色映射文件中添加。",
            "{name} is signed in but has no role, so no data is shown. Ask the administrator to add "
            "you to the role mapping file.",
        ),
        "auth_forbidden": (
            "无权访问:页面 /{page} 需要「{needed}」或更高角色,当前角色为「{role}」。",
            "Not permitted: page /{page} needs the role {needed} or higher; your role is {role}.",
        ),
    }
)


# Issue 16 item 5: funnel limits by measure type (pipelines/lib/funnel_kind.py).
LABELS.update(
    {
        "funnel_why_events": (
            "分子是相互独立事件的起数,按泊松分布波动,故画泊松控制限。",
            "Poisson limits because the numerator counts independent events.",
        ),
        "funnel_why_persons": (
            "分子是人数:一起事故可致多人伤亡,人数成群出现,波动大于泊松;故检验过度离散,需要时放宽控制限。",
            "The numerator counts persons, who come in clusters (one accident, several deaths) and vary "
            "more than Poisson: the limits are widened when the regions are over-dispersed.",
        ),
        "funnel_why_binomial": (
            "{num}是{den}的一部分,数值为比例(不超过100%),故按二项分布计算控制限;泊松控制限会过宽。",
            "{num} are part of {den}: the value is a proportion (at most 100%), so the limits are "
            "binomial; Poisson limits would be far too wide.",
        ),
        "funnel_exact_binomial": (
            "控制限为围绕上级地区比例的精确二项界限(Spiegelhalter 2005)。",
            "Limits: exact binomial around the parent region's proportion (Spiegelhalter 2005).",
        ),
        "funnel_overdispersed_binomial": (
            "各地区差异超出二项波动(φ = {phi}):控制限已按随机效应放宽(τ = {tau},比例尺度)。",
            "Regions differ more than binomial noise (φ = {phi}): limits widened by a random effect "
            "(τ = {tau} on the proportion scale).",
        ),
        "funnel_none_title": ("各下级地区数值(不画控制限)", "Child regions' values (no control limits)"),
        "funnel_none": (
            "不画漏斗图和控制限:分子是以{unit}计的数量(金额、面积、人次等),不是相互独立事件的计数;"
            "控制限的宽度会随计量单位改变(按元或万元、公顷或亩计结果不同),没有意义。图中仅按数值排列各地区。",
            "No funnel plot and no control limits: the numerator is an amount in {unit} (money, area, "
            "person-times …), not a count of independent events; limits would change with the unit it "
            "is written in (yuan or 10k yuan, hectares or mu) and mean nothing. The chart only lists "
            "the regions' values.",
        ),
    }
)


# Issue 16 items 4, 9, 10: the GDP rate's decomposition, denominators from another year or
# estimated (pipelines/exports/denominators.py), the quality and methodology note per indicator.
LABELS.update(
    {
        "den_closed_year_carried": (
            "年度已结束但无当年分母,沿用{year}年数",
            "Closed year without a denominator of its own: {year}'s figure carried",
        ),
        "den_other_year": (
            "分母为{year}年数(当年数未发布)",
            "Denominator from {year} (the year's own not yet published)",
        ),
        "den_estimated": (
            "分母为估算值(全年数×N/4,月度×N/12)",
            "Estimated denominator (annual figure × N/4, or × N/12 for months)",
        ),
        "col_den_year": ("分母年份", "Denominator year"),
        "col_den_note": ("分母说明", "Denominator note"),
        "decomp_line": (
            "同比 {pct}:{part} {num} 个百分点,GDP增长 {den} 个百分点",
            "YoY {pct}: {part} {num} pp, GDP growth {den} pp",
        ),
        "decomp_part_deaths": ("死亡人数", "deaths"),
        "decomp_part_loss": ("直接经济损失", "direct loss"),
        "decomp_caption": (
            "GDP按现价计:死亡人数不变而GDP增长时比率也会下降,这是价格和增长效应,不是安全改善。"
            "分解见 marts.fct_rate_decomposition。",
            "GDP is at current prices: with deaths flat and GDP growing the rate falls too, a price "
            "and growth effect, not a safety gain. See marts.fct_rate_decomposition.",
        ),
        "note_expander": ("质量与方法说明", "Quality and methodology note"),
        "note_definition": ("定义", "Definition"),
        "note_source": ("来源", "Source"),
        "note_known_breaks": ("已知口径变化", "Known breaks"),
        "note_reliability": ("可靠性", "Reliability"),
        "note_interval": ("区间含义", "What the interval means"),
        "note_missing": (
            "该指标暂无质量与方法说明。",
            "No quality and methodology note for this indicator yet.",
        ),
    }
)

# 工矿商贸 crude and sector-mix standardised rates (dashboards/standardised_rates.py)
LABELS.update(
    {
        "std_heading": (
            "工矿商贸十万人死亡率:粗率与按行业构成标化率({year}年)",
            "工矿商贸 deaths per 10^5 workers: crude and standardised by sector mix ({year})",
        ),
        "std_region": ("地区", "Region"),
        "std_deaths": ("死亡人数(含失踪)", "Deaths incl. missing"),
        "std_workers": ("就业人员(万人)", "Workers (10k)"),
        "std_crude": ("粗率(95%区间)", "Crude rate (95% interval)"),
        "std_standardised": ("标化率(95%区间)", "Standardised rate (95% interval)"),
        "std_status": ("标化说明", "Standardisation"),
        "std_status_standardised": ("已标化", "standardised"),
        "std_status_standardised_reweighted": (
            "已标化(本地无从业人员的行业不计,其余权重按比例放大)",
            "standardised (sectors with no workers here left out, other weights rescaled)",
        ),
        "std_status_missing_sector_workers": (
            "未标化:缺分行业就业人数",
            "not standardised: workers by sector missing",
        ),
        "std_status_deaths_without_workers": (
            "未标化:有死亡但该行业就业人数为0",
            "not standardised: deaths in a sector with 0 workers",
        ),
        "std_status_no_workers": ("未标化:无就业人数", "not standardised: no workers"),
        "std_note": (
            "标准人口:{standard}(合成示意值,非官方统计)。标化率 = Σ 标准人口行业权重 × 行业死亡率,"
            "消除各地行业构成差异后可比;区间为 Fay–Feuer 伽马区间,粗率为精确泊松区间。",
            "Standard population: {standard} (a SYNTHETIC illustrative mix, not official). Standardised "
            "rate = Σ standard sector share × sector death rate, comparable across regions with "
            "different sector mixes; Fay–Feuer gamma interval, exact Poisson for the crude rate.",
        ),
    }
)


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The label `key` in `lang` ('zh' or 'en'), formatted with `fmt`."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


STATUS_COLORS: dict[str, str] = {
    "met": "green",
    "on_track": "blue",
    "at_risk": "orange",
    "off_track": "red",
    "no_data": "gray",
    "not_tracked": "gray",
    "not_assessed": "gray",
}

# Plotly colours for statuses (hex, colour-blind safe-ish) and for the charts.
STATUS_HEX: dict[str, str] = {
    "met": "#1a7f37",
    "on_track": "#1f6feb",
    "at_risk": "#d97706",
    "off_track": "#cf222e",
    "no_data": "#8b949e",
    "not_tracked": "#8b949e",
    "not_assessed": "#8b949e",
}


def binding_label(binding: str | None, lang: str = "zh") -> str:
    if binding == "约束性":
        return t("binding_constraint", lang)
    if binding == "预期性":
        return t("binding_expected", lang)
    return t("binding_none", lang)


# 全国 benchmark from the public layer (dashboards.public_benchmark): real figures beside the series.
LABELS.update(
    {
        "public_benchmark_name": (
            "全国(公开数据) · China (public data)",
            "全国(公开数据) · China (public data)",
        ),
        "public_benchmark_hover": ("全国公开数据(真实数据)", "China, public data (real figures)"),
        "public_benchmark_released": ("发布", "released"),
        "public_benchmark_caption": (
            "灰色虚线为全国公开数据(真实数据,来源见 raw/public/SOURCES.md),仅作参照;样本数据为合成数据。",
            "Dashed grey line: China, public data (real figures, sources in raw/public/SOURCES.md), "
            "for reference only; the sample data are synthetic.",
        ),
        "public_benchmark_caption_real": (
            "灰色虚线为全国公开数据(真实数据,来源见 raw/public/SOURCES.md),仅作参照。",
            "Dashed grey line: China, public data (real figures, sources in raw/public/SOURCES.md), "
            "for reference only.",
        ),
    }
)


# Home region and monthly periods (issue 17): dashboards/state.py, dashboards/cards.py.
LABELS.update(
    {
        "period_month_suffix": ("当月", "month"),
        "period_help_complete": (
            "1-N月累计、当月或全年;默认为该地区最近一个完整的报告期(核心指标全部报齐)。",
            "Year to date (Jan–N), one month or the full year; by default the region's latest "
            "complete period (every headline indicator fully reported).",
        ),
        "mom": ("环比", "MoM"),
        "home_region_invalid": (
            "配置的本地区代码 SAFETY_HOME_REGION={code} 不在地区名录中,已改为打开 {home}。"
            " / The configured home region SAFETY_HOME_REGION={code} is not in the region registry; "
            "opened {home} instead.",
            "The configured home region SAFETY_HOME_REGION={code} is not in the region registry; "
            "opened {home} instead. / 配置的本地区代码 SAFETY_HOME_REGION={code} 不在地区名录中,"
            "已改为打开 {home}。",
        ),
        "kpi_caption_month": (
            "当月数:同比为上年同月,环比为上月(1月与上年12月比);上月为零或缺报时环比留空。",
            "One month: YoY against the same month a year earlier, MoM against the previous month "
            "(January against the previous December); MoM is left empty when that month is zero or missing.",
        ),
    }
)


# 报送前审核与上传 Upload and check before submission (issue 17): dashboards/views/upload.py.
LABELS.update(
    {
        "page_upload": ("上传与审核", "Upload and check"),
        "upload_title": ("上传文件 · 报送前审核", "Upload a file · check before submission"),
        "upload_intro": (
            "文件先按输入约定、逐行规则和统计调查制度的审核规则检查(不导入);有错误的文件被拒收并列出每处问题,"
            "通过的文件按约定命名放入数据目录,然后只刷新它改变的部分。文件不超过 {mb} MB。",
            "The file is first checked against the input contract, the row rules and the survey "
            "systems' audit rules (nothing is loaded); a file with errors is refused with every "
            "problem listed, an accepted one goes into the raw drop under the contract's naming and "
            "a refresh loads only what it changes. At most {mb} MB.",
        ),
        "upload_source": ("数据来源", "Source"),
        "upload_file": ("选择文件(.csv、.xlsx、.parquet)", "File (.csv, .xlsx, .parquet)"),
        "upload_too_large": (
            "文件为 {size} MB,超过上限 {mb} MB(SAFETY_UPLOAD_MAX_MB),已拒收。",
            "The file is {size} MB, above the {mb} MB limit (SAFETY_UPLOAD_MAX_MB): refused.",
        ),
        "upload_bad_name": (
            "文件名不可用:只接受 .csv、.xlsx、.parquet 文件。",
            "Unusable file name: only .csv, .xlsx and .parquet files are accepted.",
        ),
        "upload_summary": (
            "{file}:读取 {rows} 行,错误 {errors} 处,提示 {warnings} 处。",
            "{file}: {rows} row(s) read, {errors} error(s), {warnings} warning(s).",
        ),
        "upload_refused": (
            "已拒收:文件有 {errors} 处错误,未放入数据目录。请按下表逐行改正后重新上传。",
            "Refused: the file has {errors} error(s) and was not placed in the drop. Correct each "
            "row listed below and upload it again.",
        ),
        "upload_unreadable": (
            "已拒收:文件无法读取,未检查任何行。",
            "Refused: the file cannot be read; no row was checked.",
        ),
        "upload_passed": (
            "审核通过,可以报送。",
            "The check passed: the file may be submitted.",
        ),
        "upload_passed_warnings": (
            "审核通过,有 {warnings} 处提示(见下表),请核对后报送。",
            "The check passed with {warnings} warning(s) (below): review them before submitting.",
        ),
        "upload_name": ("数据目录中的文件名", "File name in the drop"),
        "upload_name_help": (
            "行政区划代码_名称_时期.后缀,如 330300_温州_2025Q2.xlsx(见输入约定)",
            "<region code>_<name>_<period>.<ext>, e.g. 330300_温州_2025Q2.xlsx (input contract)",
        ),
        "upload_name_invalid": (
            "文件名不符合约定:应为“行政区划代码_名称_时期.后缀”,记录文件须含时期(如 2025Q2、2025M07)。",
            "The name does not follow the contract '<region code>_<name>_<period>.<ext>'; a record "
            "file's name must state its period (e.g. 2025Q2, 2025M07).",
        ),
        "upload_submit": ("报送并刷新", "Submit and refresh"),
        "upload_no_refresh_right": (
            "只有统计人员可以报送文件并刷新。",
            "Only statisticians may submit a file and refresh.",
        ),
        "upload_refreshing": (
            "正在刷新(只重载本文件改变的部分)……",
            "Refreshing (only what this file changes)…",
        ),
        "upload_refresh_ok": (
            "刷新完成并已发布:{file} 已导入。",
            "Refreshed and published: {file} is loaded.",
        ),
        "upload_refresh_failed": (
            "文件已放入数据目录,但刷新失败(退出码 {rc}),已发布的数据未改变;请通知管理员查看日志。",
            "The file is in the drop but the refresh failed (exit {rc}); the published data is "
            "unchanged. Ask the administrator to look at the log.",
        ),
        "upload_refresh_busy": (
            "文件已放入数据目录;另一刷新正在运行,本次未刷新。下一次刷新会导入该文件。",
            "The file is in the drop; another refresh is running, so none was started. The next "
            "refresh loads the file.",
        ),
        "upload_refresh_timeout": (
            "文件已放入数据目录,但刷新超过时间限制 {s} 秒被中止;已发布的数据未改变,下一次刷新会导入该文件。",
            "The file is in the drop but the refresh was stopped after the {s} s limit; the "
            "published data is unchanged and the next refresh loads it.",
        ),
        "upload_loaded_rows": (
            "发布库中的该文件:状态 {status},接收 {accepted} 行,拒收 {rejected} 行。",
            "This file in the published copy: status {status}, {accepted} row(s) accepted, {rejected} rejected.",
        ),
        "upload_col_row": ("行", "Row"),
        "upload_col_column": ("列", "Column"),
        "upload_col_value": ("值", "Value"),
        "upload_col_rule": ("规则", "Rule"),
        "upload_col_severity": ("级别", "Severity"),
        "upload_col_message": ("说明", "Message"),
        "upload_col_message_other": ("English", "中文"),
        "upload_error": ("错误", "error"),
        "upload_warning": ("提示", "warning"),
    }
)


# 安全生产形势 (monthly text) and 综合情况表 (official tables) on the exports page (issue 17;
# dashboards/situation.py).
LABELS.update(
    {
        "situation_title": ("安全生产形势", "Production-safety situation"),
        "situation_intro": (
            "{region} · {month}:按各地月度通报的表述,由服务库的月度和1-N月累计数生成(中文在上,英文在下)。",
            "{region} · {month}: written in the bureaus' monthly pattern from the serving copy's month and "
            "Jan–N rows (Chinese above, English below).",
        ),
        "situation_unavailable": (
            "{region} 没有可用的月度数据,无法生成安全生产形势。",
            "No monthly figures for {region}: no situation text.",
        ),
        "download_official_tables": ("下载综合情况表(Excel)", "Download official tables (Excel)"),
        "official_tables_intro": (
            "{region} · {period}:各类生产安全事故综合情况、地区生产安全事故综合情况及火灾、道路交通、"
            "自然灾害汇总表(官方表式,本期、去年同期、同比增减)。",
            "{region} · {period}: the comprehensive tables by category and by region and the fire, road and "
            "disaster summaries in the official layouts (current, same period last year, change).",
        ),
        "official_tables_pick": (
            "请在侧栏选择月份、1-N月累计或年度,以生成综合情况表。",
            "Pick a month, a year-to-date period or a year in the sidebar to build the official tables.",
        ),
    }
)
