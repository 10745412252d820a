"""生产安全 Production safety: see dashboards/domain.py; below it, the 工矿商贸 rate crude and
standardised by sector mix side by side (dashboards/standardised_rates.py)."""

from __future__ import annotations

from dashboards import standardised_rates
from dashboards.domain import render_domain
from dashboards.state import current

ctx = current()
render_domain(ctx, "production_safety")
standardised_rates.render(ctx.db, ctx.year, ctx.lang)
