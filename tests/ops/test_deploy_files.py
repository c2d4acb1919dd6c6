"""The files in deploy/ are usable as shipped: nginx accepts its configuration, the environment
file names only real settings, and the units start commands that exist."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from shopkeep.cli import app
from shopkeep.cluster.nginx import NGINX
from shopkeep.config import Settings
from tests.conftest import skip_or_fail

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_nginx_accepts_the_shipped_configuration(tmp_path: Path) -> None:
    if not NGINX.exists():
        skip_or_fail("nginx is missing (run `make system`)")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=shop.example.com", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "shopkeep.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/shop.example.com/fullchain.pem", str(certificate))
    site = site.replace("/etc/letsencrypt/live/shop.example.com/privkey.pem", str(key))
    site = site.replace("/etc/nginx/snippets/shopkeep-proxy.conf", str(tmp_path / "proxy.conf"))
    snippet = (DEPLOY / "nginx" / "shopkeep-proxy.conf").read_text()
    (tmp_path / "proxy.conf").write_text(snippet.replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_environment_file_names_only_real_settings() -> None:
    names = re.findall(r"^(SHOPKEEP_\w+)=", (DEPLOY / "shopkeep.env.example").read_text(), re.M)
    known = {f"SHOPKEEP_{field.upper()}" for field in Settings.model_fields}
    assert names and set(names) <= known


@pytest.mark.parametrize("unit", sorted((DEPLOY / "systemd").glob("*.service")), ids=str)
def test_each_unit_runs_a_shopkeep_command_that_exists(unit: Path) -> None:
    [command] = re.findall(r"^ExecStart=\S+/shopkeep (\w+)", unit.read_text(), re.M)
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]
    groups = {g.name for g in app.registered_groups}
    assert command in commands | groups
    assert "EnvironmentFile=/etc/shopkeep/shopkeep.env" in unit.read_text()
