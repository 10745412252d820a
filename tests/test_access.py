"""Sign-in and roles without a browser (docs/access.md): the page → role table, the local user
file (argon2id hashes, mode 0600, `safety-stats users add` reading the password from stdin),
lockout after repeated failures, the OIDC role mapping, the loopback rule and the launcher."""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from dashboards import access, data, users
from pipelines import cli

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"

LEADERSHIP_PAGES = {
    "overview",
    "plan",
    "regions",
    "production-safety",
    "road-traffic",
    "fires",
    "disasters",
    "enforcement",
    "sources",
    "methods",
    "exports",
}


# --------------------------------------------------------------------------- the role table


def test_role_table() -> None:
    urls = {role: {p.url for p in access.pages_for(role)} for role in access.ROLES}
    assert urls["leadership"] == LEADERSHIP_PAGES
    assert urls["analyst"] == LEADERSHIP_PAGES | {"sql", "indicators"}
    assert urls["statistician"] == LEADERSHIP_PAGES | {"sql", "indicators", "quality", "upload"}
    assert access.pages_for(None) == []
    assert access.pages_for("admin") == []  # an unknown role opens nothing
    # every view is in the table, once
    views = {p.name for p in (ROOT / "dashboards" / "views").glob("*.py")}
    assert sorted(p.file for p in access.PAGES) == sorted(views)
    assert [p.url for p in access.PAGES if p.default] == ["overview"]


def test_export_tables_by_role() -> None:
    assert set(access.EXPORT_ROLES) == set(data.EXPORT_TABLES)
    assert access.may_export("leadership", "fct_indicator_values")
    assert not access.may_export("leadership", "fct_reconciliation")
    assert access.may_export("analyst", "fct_reconciliation")
    assert not access.may_export("analyst", "rejects")
    assert access.may_export("statistician", "rejects")
    # a table added to EXPORT_TABLES but not to EXPORT_ROLES: statisticians only
    assert access.may_export("statistician", "some_new_table")
    assert not access.may_export("analyst", "some_new_table")
    assert access.may("statistician", "refresh_controls")
    assert not access.may("analyst", "refresh_controls")


# ------------------------------------------------------------------------- the local user file


def _add(monkeypatch: pytest.MonkeyPatch, path: Path, name: str, role: str, stdin: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(["users", "--file", str(path), "add", name, "--role", role])


def test_users_add_writes_a_private_file_with_an_argon2_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conf" / "users.toml"
    assert _add(monkeypatch, path, "Wang.Li", "analyst", PASSWORD + "\n") == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text
    found = users.load_users(path)
    assert list(found) == ["wang.li"] and found["wang.li"].role == "analyst"

    lock = users.Lockout()
    assert users.check_password(found, "WANG.LI", PASSWORD, lock).user == found["wang.li"]
    assert users.check_password(found, "wang.li", PASSWORD + "x", lock).user is None
    assert users.check_password(found, "nobody", PASSWORD, lock).user is None

    # a second user keeps the first; the same name again is refused unless --replace
    assert _add(monkeypatch, path, "zhao", "statistician", PASSWORD + "\n") == 0
    assert _add(monkeypatch, path, "zhao", "leadership", PASSWORD + "\n") == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("another long password\n"))
    assert cli.main(["users", "--file", str(path), "add", "zhao", "--role", "leadership", "--replace"]) == 0
    assert {u.name: u.role for u in users.load_users(path).values()} == {
        "wang.li": "analyst",
        "zhao": "leadership",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cli.main(["users", "--file", str(path), "remove", "zhao"]) == 0
    assert list(users.load_users(path)) == ["wang.li"]


def test_users_add_refuses_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.toml"
    assert _add(monkeypatch, path, "short", "analyst", "tooshort\n") == 2  # < 10 characters
    assert _add(monkeypatch, path, "bad name", "analyst", PASSWORD + "\n") == 2
    assert not path.exists()
    with pytest.raises(SystemExit):  # no such role
        _add(monkeypatch, path, "x", "admin", PASSWORD + "\n")
    with pytest.raises(SystemExit):  # a password is never taken from argv
        cli.main(["users", "--file", str(path), "add", "x", "--role", "analyst", "--password", PASSWORD])


def test_a_broken_user_file_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text('[users.alice]\nrole = "analyst"\npassword_hash = "plaintext"\n', encoding="utf-8")
    with pytest.raises(users.UsersFileError):
        users.load_users(path)
    cfg = access.auth_config_from(None, path)
    assert cfg.configured and cfg.error  # the app serves nothing, not the open mode
    path.write_text('[users.alice]\nrole = "admin"\npassword_hash = "$argon2id$x"\n', encoding="utf-8")
    assert access.auth_config_from(None, path).error
    assert access.auth_config_from(None, tmp_path / "missing.toml") == access.AuthConfig({}, [], None)


def test_lockout_grows_and_blocks_even_the_right_password() -> None:
    now = [1000.0]
    lock = users.Lockout(threshold=3, base=30, cap=100, clock=lambda: now[0])
    record = users.UserRecord("li", "analyst", users.hash_password(PASSWORD))
    known = {"li": record}
    for _ in range(2):
        assert users.check_password(known, "li", "wrong password", lock) == users.SignIn(None, 0.0)
    assert lock.wait_seconds("li") == 0
    users.check_password(known, "li", "wrong password", lock)  # third failure: locked
    assert lock.wait_seconds("li") == 30
    blocked = users.check_password(known, "LI", PASSWORD, lock)
    assert blocked.user is None and blocked.wait_seconds == 30  # not even checked
    now[0] += 31
    users.check_password(known, "li", "wrong password", lock)  # fourth: 60 s
    assert lock.wait_seconds("li") == 60
    now[0] += 61
    users.check_password(known, "li", "wrong password", lock)  # fifth: capped at 100 s
    assert lock.wait_seconds("li") == 100
    now[0] += 101
    assert users.check_password(known, "li", PASSWORD, lock).user == record
    assert lock.wait_seconds("li") == 0  # a success clears the count
    # unknown names are checked against a dummy hash and locked out the same way
    for _ in range(3):
        assert users.check_password(known, "ghost", PASSWORD, lock).user is None
    assert lock.wait_seconds("ghost") == 30


# ------------------------------------------------------------------------------ OIDC roles


ROLES_TOML = """
groups_claim = "roles"
[emails]
"Wang.Li@yjj.example.gov.cn" = "statistician"
[domains]
"yjj.example.gov.cn" = "leadership"
[groups]
"safety-analysts" = "analyst"
"""


def test_role_mapping_of_oidc_claims() -> None:
    rm = access.parse_role_map(ROLES_TOML)
    role = access.role_for_claims
    assert role({"email": "wang.li@yjj.example.gov.cn"}, rm) == "statistician"  # highest rule wins
    assert role({"email": "zhao@yjj.example.gov.cn"}, rm) == "leadership"
    assert role({"email": "zhao@yjj.example.gov.cn", "roles": ["safety-analysts"]}, rm) == "analyst"
    assert role({"email": "x@elsewhere.cn", "roles": "safety-analysts"}, rm) == "analyst"
    assert role({"email": "x@elsewhere.cn"}, rm) is None
    # an email the provider says is unverified matches no email or domain rule
    assert role({"email": "wang.li@yjj.example.gov.cn", "email_verified": False}, rm) is None
    assert role({"email": "wang.li@yjj.example.gov.cn", "email_verified": "false"}, rm) is None
    assert role({"sub": "1"}, access.parse_role_map('default_role = "leadership"')) == "leadership"
    with pytest.raises(ValueError):
        access.parse_role_map('[emails]\n"a@b.cn" = "admin"\n')
    with pytest.raises(ValueError):
        access.parse_role_map("not toml [")


def test_oidc_configuration_is_recognised() -> None:
    shared = {"redirect_uri": "https://x/oauth2callback", "cookie_secret": "s" * 32}
    provider = {"client_id": "c", "client_secret": "s", "server_metadata_url": "https://idp/.well-known"}
    assert access.oidc_providers(None) == ([], None)
    assert access.oidc_providers({**shared, **provider}) == ([None], None)
    assert access.oidc_providers({**shared, "keycloak": provider}) == (["keycloak"], None)
    names, err = access.oidc_providers({**shared, "keycloak": {"client_id": "c"}})
    assert names == ["keycloak"] and err and "auth.keycloak.client_secret" in err
    _, err = access.oidc_providers({"client_id": "c"})
    assert err and "redirect_uri" in err and "cookie_secret" in err


# -------------------------------------------------------------------- the loopback rule, launcher


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        (None, False),
        ("192.168.1.10", False),
        ("dashboard.example.gov.cn", False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert access.is_loopback(address) is loopback


def test_exposed() -> None:
    """A server with no address set listens on every interface: exposed. Only under AppTest
    (no server at all) does an unset address count as the repository's loopback default."""
    from streamlit.testing.v1.util import patch_config_options

    with patch_config_options({"global.appTest": False}):
        assert access.exposed(None) and access.exposed("") and access.exposed("0.0.0.0")
        assert not access.exposed("127.0.0.1") and not access.exposed("::1")
    with patch_config_options({"global.appTest": True}):
        assert not access.exposed(None) and access.exposed("0.0.0.0")


@pytest.fixture
def launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """`safety-stats serve` with no secrets file and no user file; records the exec instead."""
    calls: list[list[str]] = []
    monkeypatch.setenv("SAFETY_USERS", str(tmp_path / "users.toml"))
    monkeypatch.setenv("SAFETY_ROLES", str(tmp_path / "roles.toml"))
    monkeypatch.setattr(access, "secrets_files", lambda: [tmp_path / "secrets.toml"])
    monkeypatch.setattr(cli, "exec_streamlit", calls.append)
    monkeypatch.chdir(tmp_path)
    return calls


def test_serve_refuses_off_loopback_without_sign_in(
    launcher: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    for address in ("0.0.0.0", "192.168.1.10", "::"):
        assert cli.main(["serve", "--address", address]) == 2
        err = capsys.readouterr().err
        assert "拒绝服务" in err and "Refusing to serve" in err and address in err
    assert launcher == []
    assert cli.main(["serve"]) == 0  # 127.0.0.1 by default
    assert cli.main(["serve", "--address", "localhost", "--port", "8600"]) == 0
    argv: Any = launcher[-1]
    assert argv[1:5] == ["-m", "streamlit", "run", "dashboards/app.py"]
    assert argv[argv.index("--server.address") + 1] == "localhost"
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert argv[argv.index("--browser.gatherUsageStats") + 1] == "false"


def test_serve_off_loopback_with_users_or_oidc(
    launcher: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user("li", "analyst", PASSWORD, tmp_path / "users.toml")
    assert cli.main(["serve", "--address", "0.0.0.0", "--server-name", "dash.example.gov.cn"]) == 0
    argv: Any = launcher[-1]
    assert argv[argv.index("--browser.serverAddress") + 1] == "dash.example.gov.cn"
    (tmp_path / "users.toml").unlink()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "https://dash.example/oauth2callback"\ncookie_secret = "x"\n'
        '[auth.keycloak]\nclient_id = "c"\nclient_secret = "s"\n'
        'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    assert cli.main(["serve", "--address", "0.0.0.0"]) == 0
    secrets.write_text('[auth]\nclient_id = "c"\n', encoding="utf-8")  # incomplete: refused anywhere
    assert cli.main(["serve", "--address", "127.0.0.1"]) == 2
    assert len(launcher) == 2
