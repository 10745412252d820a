"""登录与角色 Sign-in and roles of the dashboard (docs/access.md).

The page → role table is defined here once: app.py registers in st.navigation only the pages
the signed-in role may open (a forbidden URL is then not served), and each restricted page calls
`require_page` at its top (defence in depth: refused with a bilingual message and st.stop()).

Who is signed in:
- OIDC (Streamlit's st.login / st.user, configured in secrets.toml [auth]); the role comes from
  the role mapping file (SAFETY_ROLES, default .streamlit/roles.toml: emails, email domains or
  a groups claim → role);
- the local user file (dashboards/users.py; SAFETY_USERS, default .streamlit/users.toml);
- neither configured: served on loopback only, everyone is a local statistician (a visible
  note); on any other address the app refuses to serve data.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit import config

from dashboards import users as userfile
from dashboards.i18n import t

ROOT = Path(__file__).resolve().parents[1]
ROLES = userfile.ROLES  # leadership < analyst < statistician
LEADERSHIP, ANALYST, STATISTICIAN = ROLES
DEFAULT_ROLES_FILE = ROOT / ".streamlit" / "roles.toml"
AUTH_KEY = "_auth_user"  # session_state: name of the user signed in with the local user file


def rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def allowed(role: str | None, needed: str) -> bool:
    """True when `role` is `needed` or a higher role."""
    return role in ROLES and rank(role) >= rank(needed)


# --------------------------------------------------------------------- the page → role table


@dataclass(frozen=True)
class PageSpec:
    file: str  # in dashboards/views/
    title_key: str  # i18n key
    icon: str
    url: str  # url_path
    section: str  # i18n key of the navigation section
    role: str  # lowest role that may open the page
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "page_overview", ":material/dashboard:", "overview", "section_main", LEADERSHIP, True),
    PageSpec("plan.py", "page_plan", ":material/flag:", "plan", "section_main", LEADERSHIP),
    PageSpec("regions.py", "page_regions", ":material/account_tree:", "regions", "section_main", LEADERSHIP),
    PageSpec("production_safety.py", "page_ps", ":material/factory:", "production-safety", "section_domains", LEADERSHIP),
    PageSpec("road_traffic.py", "page_road", ":material/directions_car:", "road-traffic", "section_domains", LEADERSHIP),
    PageSpec("fires.py", "page_fire", ":material/local_fire_department:", "fires", "section_domains", LEADERSHIP),
    PageSpec("disasters.py", "page_disaster", ":material/flood:", "disasters", "section_domains", LEADERSHIP),
    PageSpec("enforcement.py", "page_enforcement", ":material/gavel:", "enforcement", "section_domains", LEADERSHIP),
    # 数据质量: rejected rows with their values, submissions, refresh history and reports
    PageSpec("quality.py", "page_quality", ":material/fact_check:", "quality", "section_about", STATISTICIAN),
    PageSpec("sources.py", "page_sources", ":material/menu_book:", "sources", "section_about", LEADERSHIP),
    # 指标目录: runnable SQL
    PageSpec("indicators.py", "page_indicators", ":material/list_alt:", "indicators", "section_about", ANALYST),
    PageSpec("workbench.py", "page_workbench", ":material/terminal:", "sql", "section_about", ANALYST),
    PageSpec("methods.py", "page_methods", ":material/functions:", "methods", "section_about", LEADERSHIP),
    # 数据导出: the 综合报表 and 季度简报 for everyone; its table downloads by EXPORT_ROLES
    PageSpec("exports.py", "page_exports", ":material/download:", "exports", "section_about", LEADERSHIP),
    # 上传与审核: check a file, place an accepted one in the drop, refresh (docs/check.md)
    PageSpec("upload.py", "page_upload", ":material/upload_file:", "upload", "section_about", STATISTICIAN),
)  # fmt: skip
PAGE_BY_URL = {p.url: p for p in PAGES}

# Tables of the 数据导出 page (dashboards/data.py EXPORT_TABLES) and the lowest role that may
# download each: published figures for leadership, the analyst tables behind them for analysts,
# the quality tables (rejected rows and their values, loads, refreshes) for statisticians.
EXPORT_ROLES: dict[str, str] = {
    "fct_indicator_values": LEADERSHIP,
    "fct_plan_progress": LEADERSHIP,
    "fct_plan_attainment": LEADERSHIP,
    "fct_plan_projection": LEADERSHIP,
    "dim_regions": LEADERSHIP,
    "dim_indicators": LEADERSHIP,
    "fct_breakdowns": LEADERSHIP,
    "dim_series_breaks": LEADERSHIP,
    "dim_measures": LEADERSHIP,
    "fct_reconciliation": ANALYST,
    "fct_published_vintages": ANALYST,
    "load_log": STATISTICIAN,
    "rejects": STATISTICIAN,
    "refreshes": STATISTICIAN,
    "indicator_changes": STATISTICIAN,
}

# Controls that are not pages. refresh_controls: any control that starts a refresh or a run
# (none in the dashboard today; refreshes run from `safety-stats refresh` or Dagster).
CAPABILITY_ROLES: dict[str, str] = {
    "download_analyst_tables": ANALYST,
    "rejected_rows": STATISTICIAN,
    "refresh_controls": STATISTICIAN,
}


def pages_for(role: str | None) -> list[PageSpec]:
    return [p for p in PAGES if allowed(role, p.role)]


def may_export(role: str | None, table: str) -> bool:
    return allowed(role, EXPORT_ROLES.get(table, STATISTICIAN))  # an unlisted table: highest role


def may(role: str | None, capability: str) -> bool:
    return allowed(role, CAPABILITY_ROLES[capability])


# ---------------------------------------------------------------------------- role mapping


@dataclass(frozen=True)
class RoleMap:
    """OIDC claims → role. The highest role any rule gives wins; none → no access."""

    emails: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    groups_claim: str = "groups"
    default_role: str | None = None


def roles_path() -> Path:
    value = os.environ.get("SAFETY_ROLES")
    return Path(value).expanduser().resolve() if value else DEFAULT_ROLES_FILE


def parse_role_map(text: str, source: str = "roles file") -> RoleMap:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML ({exc})") from exc

    def table(name: str, lower: bool) -> dict[str, str]:
        raw = doc.get(name, {})
        if not isinstance(raw, dict):
            raise ValueError(f"{source}: [{name}] must be a table")
        out = {}
        for k, v in raw.items():
            if v not in ROLES:
                raise ValueError(f"{source}: {name}.{k} = {v!r} is not one of {', '.join(ROLES)}")
            out[k.lower() if lower else k] = str(v)
        return out

    default = doc.get("default_role") or None
    if default is not None and default not in ROLES:
        raise ValueError(f"{source}: default_role = {default!r} is not one of {', '.join(ROLES)}")
    return RoleMap(
        emails=table("emails", True),
        domains=table("domains", True),
        groups=table("groups", False),
        groups_claim=str(doc.get("groups_claim", "groups")),
        default_role=default,
    )


def load_role_map(path: Path | None = None) -> RoleMap:
    path = path or roles_path()
    if not path.exists():
        return RoleMap()
    return parse_role_map(path.read_text(encoding="utf-8"), str(path))


def role_for_claims(claims: Mapping[str, Any], rm: RoleMap) -> str | None:
    """The role of an OIDC user from the identity token's claims. Email and domain rules apply
    only when the provider does not say the email is unverified (email_verified false)."""
    found: list[str] = []
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified", True)
    if isinstance(verified, str):
        verified = verified.lower() != "false"
    if email and verified is not False:
        if email in rm.emails:
            found.append(rm.emails[email])
        domain = email.rsplit("@", 1)[-1] if "@" in email else ""
        if domain in rm.domains:
            found.append(rm.domains[domain])
    groups = claims.get(rm.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, list | tuple):
        found += [rm.groups[str(g)] for g in groups if str(g) in rm.groups]
    if not found and rm.default_role:
        found.append(rm.default_role)
    return max(found, key=rank) if found else None


# ------------------------------------------------------------------- where the app is served


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 and localhost. An empty address means every interface: not loopback."""
    if not address:
        return False
    a = address.strip().strip("[]")
    if a.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(a).is_loopback
    except ValueError:
        return False


def oidc_providers(section: Mapping[str, Any] | None) -> tuple[list[str | None], str | None]:
    """Providers configured in secrets.toml [auth] (None = the [auth] table itself, else the
    name of an [auth.NAME] table), and an error when [auth] is present but incomplete."""
    if not section:
        return [], None
    missing = [k for k in ("redirect_uri", "cookie_secret") if not section.get(k)]
    providers: list[str | None] = []
    need = ("client_id", "client_secret", "server_metadata_url")
    if section.get("client_id"):
        providers.append(None)
        missing += [f"auth.{k}" for k in need if not section.get(k)]
    for name, sub in section.items():
        if isinstance(sub, Mapping):
            providers.append(str(name))
            missing += [f"auth.{name}.{k}" for k in need if not sub.get(k)]
    if not providers:
        missing.append("client_id / [auth.<provider>]")
    if missing:
        return providers, "secrets.toml [auth] is incomplete: " + ", ".join(missing)
    return providers, None


@dataclass(frozen=True)
class AuthConfig:
    users: dict[str, userfile.UserRecord]
    providers: list[str | None]
    error: str | None = None  # present but unusable: serve nothing

    @property
    def configured(self) -> bool:
        return bool(self.users or self.providers or self.error)


def auth_config_from(auth_section: Mapping[str, Any] | None, users_file: Path | None = None) -> AuthConfig:
    errors = []
    try:
        users = userfile.load_users(users_file)
    except (userfile.UsersFileError, OSError) as exc:
        users = {}
        errors.append(str(exc))
    providers, err = oidc_providers(auth_section)
    if err:
        errors.append(err)
    if providers and not err:
        try:
            load_role_map()
        except (ValueError, OSError) as exc:
            errors.append(str(exc))
    return AuthConfig(users, providers, "; ".join(errors) or None)


def secrets_auth_section() -> dict[str, Any] | None:
    """secrets.toml [auth] as Streamlit reads it (None when there is no secrets file)."""
    try:
        section = st.secrets.to_dict().get("auth")
    except FileNotFoundError:
        return None
    return section if isinstance(section, dict) else None


def auth_config() -> AuthConfig:
    return auth_config_from(secrets_auth_section())


def exposed(address: str | None) -> bool:
    """Served beyond this machine. Under AppTest there is no server: an unset address is the
    default of the repository's .streamlit/config.toml (127.0.0.1)."""
    if not address and config.get_option("global.appTest"):
        return False
    return not is_loopback(address)


def refusal_exposed_text(address: str | None) -> str:
    return (
        t("auth_exposed", "zh", address=address or "0.0.0.0")
        + "\n\n"
        + t("auth_exposed", "en", address=address or "0.0.0.0")
    )


# ------------------------------------------------------------------------- the signed-in user


@dataclass(frozen=True)
class User:
    name: str
    role: str | None
    method: str  # "open" (loopback, no auth configured), "local" or "oidc"


OPEN_USER = User("local", STATISTICIAN, "open")


def resolve_user(cfg: AuthConfig | None = None) -> User | None:
    """The user of this session, without drawing anything; None = not signed in or not allowed
    to be served at all. Re-derived on every run from the user file and st.user."""
    cfg = cfg or auth_config()
    if not cfg.configured:
        return None if exposed(config.get_option("server.address")) else OPEN_USER
    if cfg.error:
        return None
    name = st.session_state.get(AUTH_KEY)
    if isinstance(name, str):
        record = cfg.users.get(name)
        if record is not None:
            return User(record.name, record.role, "local")
        st.session_state.pop(AUTH_KEY, None)  # removed from the file since
    if cfg.providers and st.user.get("is_logged_in", False) is True:
        claims = dict(st.user)
        role = role_for_claims(claims, load_role_map())
        name = str(claims.get("email") or claims.get("name") or claims.get("sub") or "?")
        return User(name, role, "oidc")
    return None


def current_role() -> str | None:
    user = resolve_user()
    return user.role if user else None


def _both(key: str, **fmt: object) -> str:
    return t(key, "zh", **fmt) + "\n\n" + t(key, "en", **fmt)


def role_label(role: str | None, lang: str) -> str:
    return t(f"role_{role}", lang) if role in ROLES else t("role_none", lang)


def require_page(url: str) -> User:
    """Top of a restricted page: refuse (bilingual) and stop unless the user's role may open it."""
    spec = PAGE_BY_URL[url]
    user = resolve_user()
    if user is None or not allowed(user.role, spec.role):
        st.error(
            _both(
                "auth_forbidden",
                page=url,
                needed=f"{role_label(spec.role, 'zh')} / {spec.role}",
                role=f"{role_label(user.role if user else None, 'zh')} / {user.role if user else '—'}",
            ),
            icon=":material/block:",
        )
        st.stop()
    assert user is not None
    return user


# -------------------------------------------------------------------- drawing: app.py uses these


def _sign_in_local(cfg: AuthConfig) -> None:
    name = str(st.session_state.get("auth_name", ""))
    password = str(st.session_state.get("auth_password", ""))
    st.session_state["auth_password"] = ""
    result = userfile.check_password(cfg.users, name, password)
    if result.user is not None:
        st.session_state[AUTH_KEY] = result.user.name
        st.session_state.pop("_auth_message", None)
    elif result.wait_seconds > 0:
        st.session_state["_auth_message"] = ("auth_locked", int(result.wait_seconds) + 1)
    else:
        st.session_state["_auth_message"] = ("auth_failed", 0)


def login_page(cfg: AuthConfig, lang: str) -> None:
    st.title(t("auth_title", lang))
    st.caption(t("auth_intro", lang))
    for provider in cfg.providers:
        label = t("auth_oidc_button", lang, provider=provider or "OIDC")
        if st.button(label, key=f"auth_oidc_{provider or 'default'}", icon=":material/login:"):
            st.login(provider)
    if cfg.users:
        with st.form("auth_form", border=True):
            st.text_input(t("auth_name", lang), key="auth_name", autocomplete="username")
            st.text_input(t("auth_password", lang), type="password", key="auth_password")
            st.form_submit_button(
                t("auth_submit", lang), type="primary", on_click=_sign_in_local, args=(cfg,)
            )
        message = st.session_state.get("_auth_message")
        if message:
            key, seconds = message
            st.error(t(key, lang, s=seconds), icon=":material/lock:")


def sign_out(user: User) -> None:
    # everything of the session goes (query results of the workbench too); the language stays
    # in the URL (?lang=en)
    st.session_state.clear()
    if user.method == "oidc":
        st.logout()
    else:
        st.rerun()


def sidebar_user(user: User, lang: str) -> None:
    sb = st.sidebar
    if user.method == "open":
        sb.info(t("auth_open_note", lang), icon=":material/lock_open:")
        return
    with sb.container(key="auth_user"):
        st.caption(t("auth_signed_in", lang, name=user.name, role=role_label(user.role, lang)))
        if st.button(t("auth_sign_out", lang), key="auth_sign_out", icon=":material/logout:"):
            sign_out(user)


def gate(lang: str) -> User:
    """Entry script, before any data is read: the user whose pages are served, or st.stop()."""
    address = config.get_option("server.address")
    cfg = auth_config()
    if not cfg.configured:
        if exposed(address):

            def refused() -> None:
                st.error(refusal_exposed_text(address), icon=":material/gpp_bad:")

            _alone(refused)
        return OPEN_USER
    if cfg.error:

        def config_error() -> None:
            st.error(_both("auth_config_error", error=cfg.error), icon=":material/gpp_bad:")

        _alone(config_error)
    user = resolve_user(cfg)
    if user is None:

        def sign_in() -> None:
            login_page(cfg, lang)

        _alone(sign_in)
    assert user is not None
    if user.role is None:

        def no_role() -> None:
            st.error(_both("auth_no_role", name=user.name), icon=":material/block:")
            if st.button(t("auth_sign_out", lang), key="auth_sign_out_norole"):
                sign_out(user)

        _alone(no_role)
    return user


def _alone(body: Any) -> None:
    """Run `body` whatever the URL, then stop. Every URL of the app is registered (hidden) with
    `body` instead of its page: the links of a previous run are cleared, no page of the app can
    run, and the URL asked for is kept, so that after signing in that page opens if the role may
    open it (a page's identity is its url path); otherwise Streamlit says it does not exist."""
    title = t("app_short", "zh")
    stand_ins = [st.Page(body, title=title, url_path=p.url) for p in PAGES if not p.default]
    st.navigation([st.Page(body, title=title, default=True), *stand_ins], position="hidden").run()
    st.stop()


# ------------------------------------------------------------- the launcher (`safety-stats serve`)


def secrets_files() -> list[Path]:
    """The secrets.toml files Streamlit reads when started from the repository root."""
    return [Path.home() / ".streamlit" / "secrets.toml", ROOT / ".streamlit" / "secrets.toml"]


def auth_section_from_files(paths: list[Path] | None = None) -> dict[str, Any] | None:
    """[auth] of the secrets files, later files overriding earlier ones (as Streamlit merges)."""
    section: dict[str, Any] = {}
    for path in paths if paths is not None else secrets_files():
        if path.is_file():
            with path.open("rb") as fh:
                auth = tomllib.load(fh).get("auth")
            if isinstance(auth, dict):
                section.update(auth)
    return section or None


def serve_refusal(address: str, cfg: AuthConfig) -> str | None:
    """Why the launcher must not start Streamlit on `address` (None: it may)."""
    if cfg.error:
        return _both("auth_config_error", error=cfg.error)
    if not cfg.configured and not is_loopback(address):
        return refusal_exposed_text(address)
    return None
