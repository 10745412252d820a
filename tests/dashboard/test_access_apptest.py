"""Sign-in and roles of the dashboard with AppTest (docs/access.md): the sign-in form over the
local user file, the pages each role gets registered, the guard at the top of restricted
pages, the table downloads by role, OIDC users (st.user) with the role mapping, and the refusal
to serve off loopback without a sign-in configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from dashboards import access, users

DASH = Path(__file__).resolve().parents[2] / "dashboards"
APP = str(DASH / "app.py")
TIMEOUT = 60
PASSWORD = "correct horse battery"
ACCOUNTS = {"lead": "leadership", "ana": "analyst", "stat": "statistician"}
VIEW = {p.url: f"views/{p.file}" for p in access.PAGES}
RESTRICTED = {"quality": "statistician", "sql": "analyst", "indicators": "analyst"}
OIDC_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-secret-for-the-tests-only",
        "client_id": "dashboard",
        "client_secret": "not-a-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "users.toml"
    for name, role in ACCOUNTS.items():
        users.add_user(name, role, PASSWORD, path)
    return path


@pytest.fixture
def signed_in_env(users_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SAFETY_USERS", str(users_file))
    monkeypatch.setattr(users, "LOCKOUT", users.Lockout(threshold=3, base=60))
    yield users_file


def texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if b.label == "登录").click()
    return at.run()


def registered(at: AppTest, url: str) -> bool:
    """Whether the page of `url` is registered in st.navigation for this session."""
    try:
        at.switch_page(VIEW[url])
    except ValueError:  # AppTest: "Could not find a navigation page"
        return False
    return True


def test_open_on_loopback_without_sign_in_shows_a_note(serving_copy: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    note = texts(at.sidebar.info)
    assert any("未配置登录" in n for n in note), note
    assert not [b for b in at.button if b.key == "auth_sign_out"]
    for url in VIEW:  # a local statistician: every page
        assert registered(at, url), url


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_each_role_gets_only_its_pages(serving_copy: Path, signed_in_env: Path, name: str) -> None:
    role = ACCOUNTS[name]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert texts(at.title) == ["登录 · 应急管理统计"]
    assert not at.metric and not at.dataframe  # nothing of the data before sign-in
    sign_in(at, name)
    assert not at.exception and not at.error, texts(at.error)
    assert any(f"已登录:{name}" in c for c in texts(at.sidebar.caption))
    allowed = {p.url for p in access.pages_for(role)}
    for url in VIEW:
        assert registered(at, url) is (url in allowed), (role, url)
    for url in sorted(allowed & set(RESTRICTED)):  # the restricted pages it may open run
        at.switch_page(VIEW[url]).run()
        assert not at.exception and not at.error, (url, texts(at.error))
        assert at.title, url


def test_wrong_password_then_lockout(serving_copy: Path, signed_in_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    sign_in(at, "ana", "wrong password")
    assert texts(at.error) == ["用户名或密码错误。"]
    assert at.text_input(key="auth_password").value == ""  # not kept in the form
    sign_in(at, "ana", "wrong password")
    sign_in(at, "ANA", "wrong password")  # names are case-insensitive: the same count
    sign_in(at, "ana")  # locked: even the right password is not checked
    assert any("连续登录失败次数过多" in e for e in texts(at.error)), texts(at.error)
    assert texts(at.title) == ["登录 · 应急管理统计"] and not at.metric
    users.LOCKOUT.success("ana")  # the lockout has run out
    sign_in(at, "ana")
    assert not at.error and at.metric


def test_sign_out(serving_copy: Path, signed_in_env: Path) -> None:
    at = sign_in(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "stat")
    assert at.metric
    at.button(key="auth_sign_out").click().run()
    assert texts(at.title) == ["登录 · 应急管理统计"] and not at.metric


@pytest.mark.parametrize("url", sorted(RESTRICTED))
def test_guard_refuses_a_restricted_page_run_without_permission(
    serving_copy: Path, signed_in_env: Path, url: str
) -> None:
    """Defence in depth: the page itself refuses, even when run outside st.navigation."""
    for name, role in ACCOUNTS.items():
        at = AppTest.from_file(str(DASH / VIEW[url]), default_timeout=TIMEOUT)
        at.session_state[access.AUTH_KEY] = name
        at.run()
        refused = [e for e in texts(at.error) if "无权访问" in e]
        if access.allowed(role, RESTRICTED[url]):
            assert not refused, (name, url)
        else:
            assert refused and "Not permitted" in refused[0] and f"/{url}" in refused[0], (name, url)
            assert not at.title and not at.dataframe and not at.code, (name, url)
    # nobody signed in (sign-in configured): refused
    at = AppTest.from_file(str(DASH / VIEW[url]), default_timeout=TIMEOUT).run()
    assert any("无权访问" in e for e in texts(at.error)) and not at.title


def test_exports_offer_tables_by_role(serving_copy: Path, signed_in_env: Path) -> None:
    offered = {}
    for name in ("lead", "stat"):
        at = sign_in(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), name)
        at.switch_page(VIEW["exports"]).run()
        assert not at.exception and not at.error
        offered[name] = set(at.selectbox(key="exports_table").options)
    # the options are shown as table names (data.EXPORT_TABLES)
    assert "marts.fct_indicator_values" in offered["lead"]
    restricted = {"quality.rejects", "quality.load_log", "marts.fct_reconciliation"}
    assert not offered["lead"] & restricted
    assert restricted <= offered["stat"]


def test_off_loopback_without_sign_in_serves_nothing(serving_copy: Path) -> None:
    # (an unset address, every interface, is refused too: tests/test_access.py test_exposed)
    for address in ("0.0.0.0", "192.168.1.10", "::"):
        with patch_config_options({"server.address": address}):
            at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        errors = texts(at.error)
        assert len(errors) == 1 and "拒绝服务" in errors[0] and "Refusing to serve" in errors[0], errors
        assert not at.metric and not at.title and not at.dataframe and not at.selectbox, address


def test_off_loopback_with_users_asks_for_sign_in(serving_copy: Path, signed_in_env: Path) -> None:
    with patch_config_options({"server.address": "0.0.0.0"}):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not at.error and texts(at.title) == ["登录 · 应急管理统计"]
        sign_in(at, "lead")
    assert at.metric and not at.error


def test_a_broken_user_file_serves_nothing(serving_copy: Path, tmp_path: Path, monkeypatch: Any) -> None:
    bad = tmp_path / "users.toml"
    bad.write_text('[users.x]\nrole = "boss"\npassword_hash = "$argon2id$x"\n', encoding="utf-8")
    monkeypatch.setenv("SAFETY_USERS", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("登录配置有误" in e and "unusable" in e for e in texts(at.error))
    assert not at.metric and not at.text_input


# ---------------------------------------------------------------------------------------- OIDC


def oidc_app(user: dict[str, Any] | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets = OIDC_SECRETS
    if user is not None:
        at.user = user
    return at.run()


def test_oidc_user_gets_the_mapped_role(serving_copy: Path, tmp_path: Path, monkeypatch: Any) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text(
        '[emails]\n"li@yjj.example.gov.cn" = "analyst"\n[groups]\n"stat-team" = "statistician"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SAFETY_ROLES", str(roles))

    at = oidc_app(None)  # not signed in: the sign-in button of the provider, no data
    assert [b.label for b in at.button] == ["使用单位身份认证登录(OIDC)"]
    assert not at.metric and not at.text_input  # no user file: no local form

    at = oidc_app({"is_logged_in": True, "email": "li@yjj.example.gov.cn", "email_verified": True})
    assert not at.exception and not at.error, texts(at.error)
    assert any("li@yjj.example.gov.cn(分析人员)" in c for c in texts(at.sidebar.caption))
    assert registered(at, "sql") and not registered(at, "quality")

    at = oidc_app({"is_logged_in": True, "email": "z@elsewhere.cn", "groups": ["stat-team"]})
    assert registered(at, "quality")

    at = oidc_app({"is_logged_in": True, "email": "nobody@elsewhere.cn"})  # no role: no data
    assert any("未分配角色" in e and "no role" in e for e in texts(at.error))
    assert not at.metric
