"""A load generator for requests that must differ from one another (a new person per
registration, a new slot per booking), which `hey` cannot send: `wrk` (Debian package `wrk`)
with a Lua script that hands each request the next of a prepared list. wrk is C, like hey, so
it takes little of the CPUs it shares with the server on a small machine.

    from loadgen import wrk_available, wrk_run
    figures = wrk_run("http://127.0.0.1:8000", requests, seconds=15, clients=8)

`requests` is a list of (method, path, headers, body); each of wrk's threads takes its own block
of the list in turn and starts again at the block's beginning when it runs out (so give more
requests than the run can send). The figures: requests, rps, ok_rps (2xx), p50/p95/p99 in ms,
statuses (every 2xx counted as 201, 409, other 4xx as 400, 5xx as 500, socket errors and
timeouts as 599) and 5xx.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

SCRIPT = r"""
local requests = {}
local threads_count = %(threads)d
local threads = {}
local started = 0
function setup(thread)
  thread:set("offset", started)
  started = started + 1
  table.insert(threads, thread)
end
function init(args)
  k = 0
  ok = 0
  conflict = 0
  server_error = 0
  other = 0
  local lines = {}
  for line in io.lines("%(file)s") do table.insert(lines, line) end
  local block = math.floor(#lines / threads_count)
  for i = 1, block do
    local fields = parse_record(lines[offset * block + i])
    requests[i] = wrk.format(fields[1], fields[2], fields[3], fields[4])
  end
end
function request()
  local r = requests[(k %% #requests) + 1]
  k = k + 1
  return r
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status >= 500 then server_error = server_error + 1
  elseif status == 409 then conflict = conflict + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local counts = {ok = 0, conflict = 0, server_error = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(counts) do counts[name] = counts[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "seconds": %%f, "ok": %%d, "conflict": %%d, '
    .. '"server_error": %%d, "other": %%d, "socket_errors": %%d, '
    .. '"p50": %%f, "p95": %%f, "p99": %%f}\n',
    summary.requests, summary.duration / 1e6, counts.ok, counts.conflict, counts.server_error,
    counts.other, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""

# Each line of the request file is one request's fields separated by tabs (method, path, body,
# then header names and values); JSON bodies and headers have no raw tab or newline.
DECODER = r"""
function parse_record(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  local headers = {}
  for i = 4, #fields - 1, 2 do headers[fields[i]] = fields[i + 1] end
  return {fields[1], fields[2], headers, fields[3]}
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _record(method: str, path: str, headers: dict[str, str], body: str) -> str:
    fields = [method, path, body or ""]
    for name, value in headers.items():
        fields += [name, value]
    if any("\t" in field or "\n" in field for field in fields):
        raise ValueError("a request's fields may not contain tabs or newlines")
    return "\t".join(fields)


def wrk_run(base: str, requests: list, *, seconds: float, clients: int) -> dict:
    threads = max(1, min(2, clients))
    with tempfile.TemporaryDirectory(prefix="klynge-wrk-") as folder:
        data = os.path.join(folder, "requests.txt")
        with open(data, "w") as handle:
            for method, path, headers, body in requests:
                handle.write(_record(method, path, headers, body) + "\n")
        script = os.path.join(folder, "requests.lua")
        with open(script, "w") as handle:
            handle.write(DECODER + SCRIPT % {"threads": threads, "file": data})
        command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{round(seconds)}s",
                   "--timeout", "30s", "-s", script, base + requests[0][1]]  # fmt: skip
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode or "WRK_JSON " not in run.stdout:
            raise RuntimeError(f"wrk failed: {run.stdout}\n{run.stderr}")
    figures = json.loads(run.stdout.split("WRK_JSON ", 1)[1].splitlines()[0])
    statuses = {
        code: n
        for code, n in (
            (201, figures["ok"]), (409, figures["conflict"]), (500, figures["server_error"]),
            (400, figures["other"]), (599, figures["socket_errors"]),
        )
        if n
    }  # fmt: skip
    elapsed = figures["seconds"]
    return {
        "generator": "wrk",
        "requests": figures["requests"],
        "rps": figures["requests"] / elapsed,
        "ok_rps": figures["ok"] / elapsed,
        "p50": figures["p50"],
        "p95": figures["p95"],
        "p99": figures["p99"],
        "statuses": statuses,
        "5xx": figures["server_error"] + figures["socket_errors"],
    }
