"""Running wrk and reading its report.

Each run gets a Lua script written next to the data: hot runs repeat one URL, cold runs walk a
file of paths, checkout runs walk a file of cart ids and POST each one exactly once.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

WRK = "wrk"
TIMEOUT = "10s"  # a slow server must show up as high latency, not as dropped requests

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_LATENCY_LINE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS = re.compile(r"^status (\d+) (\d+)$", re.MULTILINE)
_EXHAUSTED = re.compile(r"^exhausted (\d+)$", re.MULTILINE)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)
    exhausted: int = 0

    @property
    def ok_per_s(self) -> float:
        """Successful responses per second (the rate of real work done)."""
        return (self.requests - self.non_2xx) / self.seconds if self.seconds else 0.0


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_output(text: str) -> WrkResult:
    """Read wrk's `--latency` report (plus the lines our Lua `done` hooks print)."""
    latencies = {int(pct): _ms(value, unit) for pct, value, unit in _LATENCY_LINE.findall(text)}
    rps, total = _RPS.search(text), _TOTAL.search(text)
    if rps is None or total is None or set(latencies) != {50, 99}:
        raise RuntimeError(f"cannot read wrk's report:\n{text}")
    non_2xx, socket = _NON_2XX.search(text), _SOCKET.search(text)
    exhausted = _EXHAUSTED.search(text)
    statuses: dict[int, int] = {}
    for code, count in _STATUS.findall(text):
        statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2), total.group(3)) / 1000,
        requests_per_s=float(rps.group(1)),
        p50_ms=latencies[50],
        p99_ms=latencies[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
        statuses=statuses,
        exhausted=int(exhausted.group(1)) if exhausted else 0,
    )


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def rotating_script(paths_file: Path, threads: int) -> str:
    """GET each path of the file in turn; thread k starts at line k and steps by `threads`."""
    return f"""
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  paths = {{}}
  for line in io.lines({_lua_string(str(paths_file))}) do
    paths[#paths + 1] = line
  end
  position = id
end

function request()
  local path = paths[(position % #paths) + 1]
  position = position + {threads}
  return wrk.format("GET", path)
end
"""


def checkout_script(cart_ids_file: Path, threads: int) -> str:
    """POST /cart/<id>/checkout once per cart id; counts status codes and running out of carts."""
    return f"""
local next_id = 0
local threads = {{}}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  carts = {{}}
  for line in io.lines({_lua_string(str(cart_ids_file))}) do
    carts[#carts + 1] = line
  end
  position = id + 1
  statuses = {{}}
  exhausted = 0
end

function request()
  local cart = carts[position]
  position = position + {threads}
  if cart == nil then
    -- out of prepared carts: never check a cart out twice, stop this thread instead
    exhausted = exhausted + 1
    wrk.thread:stop()
    cart = "0"
  end
  return wrk.format("POST", "/cart/" .. cart .. "/checkout")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %d %d\\n", status, count))
    end
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  io.write(string.format("exhausted %d\\n", exhausted_total))
end
"""


def run_wrk(
    base_url: str,
    *,
    path: str = "/",
    script: Path | None = None,
    duration_s: float,
    connections: int,
    threads: int,
) -> WrkResult:
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s:g}s",
        f"--timeout={TIMEOUT}",
        "--latency",
    ]
    if script is not None:
        command += ["-s", str(script)]
    command.append(base_url + path)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_output(done.stdout)
