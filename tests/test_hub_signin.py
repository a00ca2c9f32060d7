"""Signing in to the classroom hub (deploy/jupyterhub/, as `make hub` runs it), over HTTPS with a
certificate made here, through the login page as a browser posts it: the name rule, a teacher's
name kept from students, the throttle, the passwords refused at start, and the idle culler.

The hub's accounts carry the test-only prefix ``sltls-`` and are removed afterwards, even after a
failure (leftovers of an earlier run are removed first)."""
from __future__ import annotations

import datetime as dt
import html
import ipaddress
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("jupyterhub", reason="the hub extra is not installed (make installs it for make test)")

import requests  # noqa: E402

from summit_lessons.classroom.hubclient import CONFIG, throwaway_hub  # noqa: E402

pytestmark = [pytest.mark.hub, pytest.mark.slow]
if not hasattr(os, "geteuid") or os.geteuid() != 0:
    pytest.skip("the classroom hub runs as root (an account per user); CI runs make test as root",
                allow_module_level=True)

PREFIX = "sltls-"
IDLE_SECONDS = 30


def _certificate(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key, as a school's own would be installed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "summit-lessons test hub")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "hub.crt", folder / "hub.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    assert (CONFIG.parent / "node_modules" / ".bin" / "configurable-http-proxy").exists(), \
        "configurable-http-proxy missing: run `make hub` or npm ci --prefix deploy/jupyterhub"
    ssl = _certificate(tmp_path_factory.mktemp("tls"))
    with throwaway_hub(PREFIX, ssl=ssl, env={"SUMMIT_HUB_IDLE_TIMEOUT": str(IDLE_SECONDS)}) as hub:
        yield hub


def sign_in(hub, name: str, password: str) -> requests.Response:
    """Open the login page and post the form, as a browser does (its _xsrf cookie and field)."""
    s = requests.Session()
    ca = hub.ssl[0]  # the test's certificate, trusted like a school's own (per request: see HubClient.api)
    page = s.get(f"{hub.url}/hub/login", timeout=60, verify=ca)
    assert page.status_code == 200
    return s.post(f"{hub.url}/hub/login", data={"username": name, "password": password, "_xsrf": s.cookies["_xsrf"]},
                  allow_redirects=False, timeout=60, verify=ca)


def _message(r: requests.Response) -> str:
    return html.unescape(r.content.decode("utf-8"))


def _log(hub) -> str:
    return hub.log_path.read_text(encoding="utf-8", errors="replace")


def _users(hub) -> list[str]:
    return sorted(u["name"] for u in hub.client.api("GET", "users"))


def test_a_student_signs_in_over_https(hub):
    assert hub.url.startswith("https://127.0.0.1:")
    r = sign_in(hub, "alice", hub.password)
    assert r.status_code == 302, _message(r)[:500]
    assert any(c.name.startswith("jupyterhub-") and c.secure for c in r.cookies), "no secure login cookie"
    assert "alice" in _users(hub)
    with pytest.raises(requests.exceptions.SSLError):  # an unknown certificate is refused, not ignored
        requests.get(f"{hub.url}/hub/login", timeout=30)


def test_a_full_width_or_capitalised_name_is_the_same_person(hub):
    for spelling in ("ａｌｉｃｅ", "ALICE", "Alice"):
        r = sign_in(hub, spelling, hub.password)
        assert r.status_code == 302, f"{spelling}: {_message(r)[:300]}"
    assert [u for u in _users(hub) if "alice" in u] == ["alice"]


@pytest.mark.parametrize("name, says", [
    ("a" * 300, "at most 23 characters (this one has 300)"),
    ("ali\nce", "control or invisible characters"),
    ("ali\u200bce", "control or invisible characters"),
    ("алиса", "starts with a letter a–z"),
    ("bob smith", "starts with a letter a–z"),
    ("9lives", "starts with a letter a–z"),
    ("../root", "starts with a letter a–z"),
])
def test_a_name_that_cannot_be_an_account_is_refused_on_the_login_page(hub, name, says):
    r = sign_in(hub, name, hub.password)
    assert r.status_code == 403
    assert says in _message(r), _message(r)[:800]
    assert 'name="username"' in r.text, "the refusal is not the login page"
    assert "Traceback" not in _log(hub)
    # the raw name never reaches the log as it was typed (a newline would split a log line)
    assert "\nce" not in _log(hub)
    users = _users(hub)
    assert name.strip().lower() not in users and all(len(u) <= 23 for u in users)


def test_a_teachers_name_needs_the_teacher_password(hub):
    r = sign_in(hub, "msmith", hub.teacher_password)
    assert r.status_code == 302, _message(r)[:300]
    assert "msmith" in next(g for g in hub.client.api("GET", "groups") if g["name"] == "teachers")["users"]
    for spelling in ("msmith", "MSmith", "ｍｓｍｉｔｈ"):
        r = sign_in(hub, spelling, hub.password)
        assert r.status_code == 403 and "Invalid username or password" in _message(r), spelling
    # and a student's name is not taken over with the teacher password either
    assert sign_in(hub, "pat", hub.password).status_code == 302
    r = sign_in(hub, "pat", hub.teacher_password)
    assert r.status_code == 403
    assert "pat" not in next(g for g in hub.client.api("GET", "groups") if g["name"] == "teachers")["users"]
    assert "msmith" in next(g for g in hub.client.api("GET", "groups") if g["name"] == "teachers")["users"]


def test_failed_sign_ins_for_a_name_are_throttled(hub):
    for _ in range(5):
        assert sign_in(hub, "carl", "wrong-password").status_code == 403
    r = sign_in(hub, "carl", hub.password)  # the right password now waits too
    assert r.status_code == 429
    assert "Too many failed sign-ins" in _message(r) and 'name="username"' in r.text
    assert sign_in(hub, "dana", hub.password).status_code == 302, "another name is not held up"


def test_the_idle_culler_stops_an_idle_server(hub):
    assert "idle-culler" in hub.client.api("GET", "services")
    hub.client.create_users(["erin"])
    hub.client.start_server("erin", wait=240)
    hub.remember(hub.client.server_pid("erin"))
    deadline = time.monotonic() + IDLE_SECONDS + 120
    while hub.client.api("GET", "users/erin").get("servers", {}).get(""):
        assert time.monotonic() < deadline, "the idle server was not stopped"
        time.sleep(2)
    assert "DELETE /hub/api/users/erin/server (idle-culler@" in _log(hub), "stopped, but not by the culler"


def test_failed_sign_ins_from_one_address_are_throttled(hub):
    # Runs last in this module: it holds up every sign-in from 127.0.0.1 for the throttle's window.
    for attempt in range(1, 40):
        r = sign_in(hub, f"guess{attempt}", "wrong-password")
        if r.status_code == 429:
            break
        assert r.status_code == 403
    assert r.status_code == 429 and attempt <= 31, f"no brake after {attempt} failures from one address"
    assert sign_in(hub, "fresh", hub.password).status_code == 429


@pytest.mark.parametrize("teacher, says", [
    ("x", "SUMMIT_HUB_TEACHER_PASSWORD needs at least 8 characters"),
    ("         ", "SUMMIT_HUB_TEACHER_PASSWORD needs at least 8 characters"),
    ("students-password", "SUMMIT_HUB_TEACHER_PASSWORD must differ from SUMMIT_HUB_PASSWORD"),
])
def test_unusable_passwords_are_refused_at_start_in_one_line(tmp_path, teacher, says):
    env = {**os.environ, "SUMMIT_HUB_PASSWORD": "students-password", "SUMMIT_HUB_TEACHER_PASSWORD": teacher,
           "SUMMIT_HUB_STATE": str(tmp_path / "state")}
    proc = subprocess.run([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"summit_lessons hub: {says}" + proc.stderr.strip().split(says, 1)[1]]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "state").exists(), "nothing is made before the passwords are checked"
