"""Official-layout exports of one reporting region and quarter, read from the serving copy.

- `report_data`: the figures of a quarter (region and its children, quarter and 1–N月累计),
  exactly as `marts.fct_indicator_values` holds them, with plan progress and provenance.
- `quarterly_workbook`: the 综合报表 Excel workbook (xlsxwriter).
- `brief`: the one-page quarterly brief in Chinese (HTML, printed to PDF by headless Chromium).
"""
