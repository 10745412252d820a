"""生产安全 Production safety: see dashboards/domain.py."""

from __future__ import annotations

from dashboards.domain import render_domain
from dashboards.state import current

render_domain(current(), "production_safety")
