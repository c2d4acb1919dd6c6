"""nginx in front of the shop's processes: one upstream per app, a request id on every request,
and a configuration that runs from a directory of its own (any user, no system files)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

NGINX = Path("/usr/sbin/nginx")

# What every proxied request carries: the client's id when it sent one (the apps keep it only
# if it is short and safe), else nginx's own; the original host and client address.
PROXY = """\
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Request-ID $shop_request_id;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A process that is down or stopping: the request goes to the next one (a request
            # already sent to a process that then died is not sent twice).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;"""


def upstream(name: str, ports: Sequence[int]) -> str:
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in ports
    )
    return f"    upstream {name} {{\n{servers}\n        keepalive 32;\n    }}"


def server(listen: int, upstream_name: str) -> str:
    return (
        f"    server {{\n        listen 127.0.0.1:{listen};\n"
        f"        client_max_body_size 2m;\n"
        f"        location / {{\n{PROXY.format(upstream=upstream_name)}\n        }}\n    }}"
    )


def config(root: Path, *, web: tuple[int, Sequence[int]], store: tuple[int, Sequence[int]]) -> str:
    """nginx.conf for a proxy whose files all live under `root`: `web` and `store` are each
    (the port nginx listens on, the ports of the app's processes)."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers may read `root` then
    temp = "\n".join(
        f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return f"""\
{user}worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log {root}/access.log;
{temp}
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    map $http_x_request_id $shop_request_id {{
        default $http_x_request_id;
        "" $request_id;
    }}
{upstream("shopkeep_web", web[1])}
{upstream("shopkeep_store", store[1])}
{server(web[0], "shopkeep_web")}
{server(store[0], "shopkeep_store")}
}}
"""
