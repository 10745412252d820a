"""本地用户文件 The local user file of the dashboard: names, roles and argon2id password hashes.

For sites without an identity provider (docs/access.md). The file is TOML, written only by
`safety-stats users add/remove` (mode 0600), path from SAFETY_USERS (default
.streamlit/users.toml, next to secrets.toml and outside .warehouse/, which `make clean` removes):

    [users."wang.li"]
    role = "analyst"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."
    created_at = "2026-12-02T14:20:00+00:00"

Passwords are hashed and checked with argon2-cffi (Argon2id, RFC 9106 parameters; the
comparison is the library's constant-time one). An unknown name is checked against a dummy hash
so that it takes as long as a wrong password. Repeated failures lock a name out with a growing
delay (`Lockout`), shared by every session of the server process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_USERS_FILE = ROOT / ".streamlit" / "users.toml"
ROLES = ("leadership", "analyst", "statistician")  # lowest to highest; dashboards/access.py
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 10

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)


class UsersFileError(ValueError):
    """The user file exists but cannot be used (the dashboard then refuses to serve data)."""


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    password_hash: str
    created_at: str = ""


def users_path() -> Path:
    """SAFETY_USERS, else .streamlit/users.toml of the repository."""
    value = os.environ.get("SAFETY_USERS")
    return Path(value).expanduser().resolve() if value else DEFAULT_USERS_FILE


def normalise_name(name: str) -> str:
    return name.strip().lower()


def validate_name(name: str) -> str:
    n = normalise_name(name)
    if not NAME_RE.match(n):
        raise ValueError(
            f"用户名无效 / invalid user name {name!r}: 1-64 characters a-z 0-9 . _ @ -, starting with a letter or digit"
        )
    return n


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"角色无效 / unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"密码过短 / password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


# ------------------------------------------------------------------------------------ reading


def parse_users(text: str, source: str = "users file") -> dict[str, UserRecord]:
    """The users of a user file's text; UsersFileError on anything unexpected (fail closed)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsersFileError(f"{source}: not valid TOML ({exc})") from exc
    table = doc.get("users", {})
    if not isinstance(table, dict):
        raise UsersFileError(f"{source}: [users] must be a table")
    out: dict[str, UserRecord] = {}
    for raw_name, entry in table.items():
        if not isinstance(entry, dict):
            raise UsersFileError(f"{source}: users.{raw_name} must be a table")
        try:
            name = validate_name(str(raw_name))
            role = validate_role(str(entry.get("role", "")))
        except ValueError as exc:
            raise UsersFileError(f"{source}: {exc}") from exc
        pw = entry.get("password_hash")
        if not isinstance(pw, str) or not pw.startswith("$argon2"):
            raise UsersFileError(f"{source}: users.{raw_name}.password_hash is not an argon2 hash")
        out[name] = UserRecord(name, role, pw, str(entry.get("created_at", "")))
    return out


_cache: dict[Path, tuple[int, int, dict[str, UserRecord]]] = {}
_cache_lock = threading.Lock()


def load_users(path: Path | None = None) -> dict[str, UserRecord]:
    """The users of the file (empty when it does not exist), re-read when the file changes."""
    path = path or users_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    key = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[:2] == key:
            return hit[2]
    users = parse_users(path.read_text(encoding="utf-8"), str(path))
    with _cache_lock:
        _cache[path] = (*key, users)
    return users


# ------------------------------------------------------------------------------------ writing


def _toml_string(value: str) -> str:
    # a JSON string is a valid TOML basic string (the same escapes)
    return json.dumps(value, ensure_ascii=False)


def render_users(users: dict[str, UserRecord]) -> str:
    lines = [
        "# 仪表盘本地用户 Dashboard users (docs/access.md). Written by `safety-stats users add`;",
        "# argon2id password hashes. Keep this file private (mode 0600).",
        "",
    ]
    for name in sorted(users):
        u = users[name]
        lines += [
            f"[users.{_toml_string(name)}]",
            f"role = {_toml_string(u.role)}",
            f"password_hash = {_toml_string(u.password_hash)}",
            f"created_at = {_toml_string(u.created_at)}",
            "",
        ]
    return "\n".join(lines)


def write_users(users: dict[str, UserRecord], path: Path | None = None) -> Path:
    """Write the file atomically with mode 0600 (a new file in the same folder, renamed over)."""
    path = path or users_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render_users(users))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
    return path


def add_user(name: str, role: str, password: str, path: Path | None = None, replace: bool = False) -> Path:
    path = path or users_path()
    name = validate_name(name)
    role = validate_role(role)
    users = dict(load_users(path))
    if name in users and not replace:
        raise ValueError(f"用户已存在 / user {name!r} already exists (use --replace to change it)")
    users[name] = UserRecord(
        name, role, hash_password(password), dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    )
    return write_users(users, path)


def remove_user(name: str, path: Path | None = None) -> Path:
    path = path or users_path()
    name = normalise_name(name)
    users = dict(load_users(path))
    if name not in users:
        raise ValueError(f"无此用户 / no user {name!r}")
    del users[name]
    return write_users(users, path)


# ------------------------------------------------------------------------------- sign-in check


class Lockout:
    """After `threshold` failed sign-ins of a name, further attempts wait `base` seconds, doubling
    with each further failure up to `cap`. A success clears the name. Thread-safe, in memory
    (one server process; a restart clears it)."""

    def __init__(
        self,
        threshold: int = 5,
        base: float = 30.0,
        cap: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold, self.base, self.cap, self.clock = threshold, base, cap, clock
        self._failures: dict[str, tuple[int, float]] = {}  # name -> (count, locked until)
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        with self._lock:
            _, until = self._failures.get(key, (0, 0.0))
            return max(0.0, until - self.clock())

    def failure(self, key: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # names tried at random: keep the memory bounded
                now = self.clock()
                self._failures = {k: v for k, v in self._failures.items() if v[1] > now}
            count = self._failures.get(key, (0, 0.0))[0] + 1
            until = 0.0
            if count >= self.threshold:
                until = self.clock() + min(self.cap, self.base * 2 ** (count - self.threshold))
            self._failures[key] = (count, until)

    def success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


LOCKOUT = Lockout()
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _HASHER.hash(os.urandom(16).hex())
    return _dummy_hash


@dataclass(frozen=True)
class SignIn:
    user: UserRecord | None
    wait_seconds: float = 0.0  # > 0: locked out, nothing was checked


def check_password(
    users: dict[str, UserRecord], name: str, password: str, lockout: Lockout | None = None
) -> SignIn:
    lockout = lockout or LOCKOUT
    key = normalise_name(name)
    wait = lockout.wait_seconds(key)
    if wait > 0:
        return SignIn(None, wait)
    record = users.get(key)
    ok: bool = False
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        ok = _HASHER.verify(record.password_hash if record else _dummy(), password)
    if ok and record is not None:
        lockout.success(key)
        return SignIn(record)
    lockout.failure(key)
    return SignIn(None, 0.0)
