"""Sign-in and roles in headless Chromium (docs/access.md): the dashboard served by `streamlit
run` on loopback with a local user file; each role signs in through the form and sees its pages
and no other, including when the URL of a forbidden page (/sql, /quality, /indicators) is
typed into the address bar or changed within the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from dashboards import access, users
from dashboards.bench_pages import free_port, serve, wait_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # Authlib 1.9 in oidc-provider-mock
]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed (make system-deps)", allow_module_level=True)

PASSWORD = "correct horse battery"
ACCOUNTS = {"lead": "leadership", "ana": "analyst", "stat": "statistician"}
ROLE_ZH = {"leadership": "领导", "analyst": "分析人员", "statistician": "统计人员"}
ALL_URLS = [p.url for p in access.PAGES]


@pytest.fixture(scope="module")
def app_url(
    serving_copy: Path, artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("access_browser")
    for name, role in ACCOUNTS.items():
        users.add_user(name, role, PASSWORD, folder / "users.toml")
    with serve(
        serving_copy,
        log=artifacts_dir / "streamlit_access.log",
        env={"SAFETY_USERS": str(folder / "users.toml")},
    ) as url:
        yield url


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    """On the sign-in page (nothing of the data is shown), fill the form and submit."""
    page.get_by_label("用户名").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stMetric']").count() == 0
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def nav_paths(page: Any) -> set[str]:
    more = page.locator("[data-testid='stSidebarNavViewButton']")  # a long list shows "View N more"
    if more.count() and "more" in more.first.inner_text().lower():
        more.first.click()
    hrefs = page.locator("[data-testid='stSidebarNavLink']").evaluate_all("els => els.map(e => e.href)")
    return {urlparse(h).path.strip("/") or "overview" for h in hrefs}


def shown_page(page: Any) -> str:
    """The url path of the page the server ran, from the render-time line app.py writes last."""
    text = page.locator(".st-key-page_rendered").first.inner_text()
    return text.split(" · ")[1]


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_each_role_sees_its_pages_and_cannot_reach_the_rest(
    app_url: str, page: Any, name: str, artifacts_dir: Path
) -> None:
    role = ACCOUNTS[name]
    allowed = [p.url for p in access.pages_for(role)]
    forbidden = [u for u in ALL_URLS if u not in allowed]

    page.goto(app_url)
    sign_in(page, name)
    wait_ready(page, text=" · overview · ")
    assert page.get_by_text(f"已登录:{name}({ROLE_ZH[role]})").is_visible()
    assert nav_paths(page) == set(allowed)
    page.screenshot(path=str(artifacts_dir / f"access_{role}.png"))

    # the restricted pages it may open, through the sidebar
    for url in [u for u in ("indicators", "sql", "quality") if u in allowed]:
        page.locator(f"[data-testid='stSidebarNavLink'][href$='/{url}']").click()
        wait_ready(page, text=f" · {url} · ")
        assert page.locator("[data-testid='stException']").count() == 0
        assert not page.get_by_text("无权访问").count()

    # a forbidden URL set within the session (history navigation): the default page is served
    for url in forbidden:
        page.evaluate(
            "u => { history.pushState({}, '', '/' + u); window.dispatchEvent(new PopStateEvent('popstate')); }",
            url,
        )
        wait_ready(page, text=" · overview · ")
        assert shown_page(page) == "overview", url

    # a forbidden URL typed into the address bar: a new session signs in again, then the overview
    for url in forbidden:
        page.goto(f"{app_url}/{url}")
        sign_in(page, name)
        wait_ready(page)
        assert shown_page(page) == "overview", url
        if page.locator("[role='dialog']").count():  # Streamlit's "Page not found", if shown
            page.keyboard.press("Escape")
        assert nav_paths(page) == set(allowed)
        assert page.locator("[data-testid='stCode']").count() == 0  # no SQL of the workbench/catalogue

    # an allowed URL typed into the address bar opens after signing in
    last = allowed[-1] if not forbidden else next(u for u in reversed(allowed) if u != "overview")
    page.goto(f"{app_url}/{last}")
    sign_in(page, name)
    wait_ready(page, text=f" · {last} · ")


def test_wrong_password_and_sign_out(app_url: str, page: Any) -> None:
    page.goto(f"{app_url}/sql")
    sign_in(page, "ana", "not the password")
    page.get_by_text("用户名或密码错误。").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    sign_in(page, "ana")
    wait_ready(page, text=" · sql · ")  # the page asked for before signing in
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    assert page.locator("[data-testid='stMetric']").count() == 0


def test_served_on_every_interface_without_sign_in_serves_nothing(
    serving_copy: Path, page: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    """`streamlit run` straight on 0.0.0.0 (not through the launcher), no sign-in configured: the
    app reads server.address and shows only the bilingual refusal."""
    # browser.serverAddress: otherwise Streamlit looks up this machine's external IP on the internet
    with serve(
        serving_copy,
        log=artifacts_dir / "streamlit_exposed.log",
        address="0.0.0.0",
        extra=("--browser.serverAddress", "127.0.0.1"),
        env={"SAFETY_USERS": str(tmp_path / "no_users.toml")},  # not the user file of the module's app_url
    ) as url:
        for path in ("", "sql", "quality"):
            page.goto(f"{url}/{path}")
            page.get_by_text("拒绝服务").first.wait_for(timeout=30_000)
            assert page.get_by_text("Refusing to serve").first.is_visible()
            assert page.locator("[data-testid='stMetric']").count() == 0
            assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
            assert page.locator("[data-testid='stDataFrame']").count() == 0


# ------------------------------------------------------------------- OIDC with a local provider


@pytest.fixture(scope="module")
def oidc_app(
    serving_copy: Path, artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The dashboard with OIDC sign-in against oidc-provider-mock on loopback: li is an analyst
    by email, zhao a statistician by group, nobody has no role (role mapping file)."""
    oidc_mock = pytest.importorskip("oidc_provider_mock")
    folder = tmp_path_factory.mktemp("access_oidc")
    roles = folder / "roles.toml"
    roles.write_text(
        '[emails]\n"li@yjj.example.gov.cn" = "analyst"\n[groups]\n"stat-team" = "statistician"\n',
        encoding="utf-8",
    )
    accounts = [
        oidc_mock.User(sub="li", claims={"email": "li@yjj.example.gov.cn", "email_verified": True}),
        oidc_mock.User(sub="zhao", claims={"email": "zhao@elsewhere.cn", "groups": ["stat-team"]}),
        oidc_mock.User(sub="nobody", claims={"email": "nobody@elsewhere.cn"}),
    ]
    port = free_port()
    with oidc_mock.run_server_in_thread(user_claims=accounts) as idp:
        idp_url = f"http://127.0.0.1:{idp.server_port}"
        secrets = folder / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-long-random-cookie-secret-for-this-test-only"\n'
            'client_id = "safety-dashboard"\n'
            'client_secret = "test-client-secret"\n'
            f'server_metadata_url = "{idp_url}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with serve(
            serving_copy,
            port=port,
            log=artifacts_dir / "streamlit_oidc.log",
            extra=("--secrets.files", str(secrets)),
            env={"SAFETY_ROLES": str(roles), "SAFETY_USERS": str(folder / "no_users.toml")},  # OIDC only
        ) as url:
            yield url, idp_url


def oidc_sign_in(page: Any, url: str, idp_url: str, sub: str) -> None:
    """Sign in as `sub` through the provider's form (the mock's one-click button per user)."""
    page.goto(url)
    page.get_by_role("button", name="使用单位身份认证登录(OIDC)").click()
    page.wait_for_url(f"{idp_url}/**", timeout=30_000)
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(f"{url}/**", timeout=30_000)


def test_oidc_users_get_the_role_of_the_mapping(oidc_app: tuple[str, str], browser: Any) -> None:
    url, idp_url = oidc_app
    analyst = {p.url for p in access.pages_for("analyst")}
    for sub, email, role in (
        ("li", "li@yjj.example.gov.cn", "analyst"),
        ("zhao", "zhao@elsewhere.cn", "statistician"),
    ):
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        try:
            page.goto(url)
            page.get_by_role("button", name="使用单位身份认证登录(OIDC)").wait_for(timeout=30_000)
            assert page.locator("[data-testid='stMetric']").count() == 0  # nothing before sign-in
            oidc_sign_in(page, url, idp_url, sub)
            wait_ready(page, text=" · overview · ")
            assert page.get_by_text(f"已登录:{email}({ROLE_ZH[role]})").is_visible()
            assert nav_paths(page) == {p.url for p in access.pages_for(role)}
            # the identity cookie signs a new session in: typed URLs, allowed and forbidden
            page.goto(f"{url}/sql")
            wait_ready(page, text=" · sql · ")
            page.goto(f"{url}/quality")
            wait_ready(page)
            assert shown_page(page) == ("quality" if role == "statistician" else "overview")
            if role == "analyst":
                assert nav_paths(page) == analyst
        finally:
            ctx.close()


def test_oidc_user_without_a_role_sees_nothing_and_signs_out(oidc_app: tuple[str, str], page: Any) -> None:
    url, idp_url = oidc_app
    oidc_sign_in(page, url, idp_url, "nobody")
    page.get_by_text("未分配角色").first.wait_for(timeout=30_000)
    assert page.get_by_text("no role").first.is_visible()
    assert page.locator("[data-testid='stMetric']").count() == 0
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{idp_url}/**", timeout=30_000)  # st.logout: the provider ends its session
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="使用单位身份认证登录(OIDC)").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stMetric']").count() == 0
