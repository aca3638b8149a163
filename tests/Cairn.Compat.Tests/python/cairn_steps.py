"""Helpers shared by the real-SDK scripts: timed steps, checks and a results file for the test harness.

Each script runs a few workflows of ClearML's documentation with the real ClearML SDK against a
Cairn server. It writes what the harness checks on the server side (ids, URLs) and each step's
wall time and server CPU time into the JSON file named by CAIRN_RESULTS, and exits non-zero on the
first failed check. Only the standard library and the SDK are used.
"""
import json
import os
import sys
import time
import traceback
from contextlib import contextmanager

_results = {"steps": [], "values": {}}
_server_pid = os.environ.get("CAIRN_SERVER_PID")


def _server_cpu_seconds():
    """The server process's user+system CPU time (Linux /proc), or None elsewhere."""
    if not _server_pid:
        return None
    try:
        with open("/proc/%s/stat" % _server_pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _save():
    with open(os.environ["CAIRN_RESULTS"], "w") as out:
        json.dump(_results, out, indent=1)


@contextmanager
def step(name):
    """Times one step; a failure inside it is reported with the step's name and ends the script."""
    started, cpu = time.monotonic(), _server_cpu_seconds()
    try:
        yield
    except BaseException:
        print("STEP FAILED: %s" % name, file=sys.stderr)
        traceback.print_exc()
        _results["failed_step"] = name
        _save()
        sys.stdout.flush()
        os._exit(1)  # The SDK's daemons would otherwise keep the process alive.
    record = {"step": name, "seconds": round(time.monotonic() - started, 3)}
    after = _server_cpu_seconds()
    if cpu is not None and after is not None:
        record["server_cpu_seconds"] = round(after - cpu, 3)
    _results["steps"].append(record)
    _save()
    print("step %-40s %7.2f s" % (name, record["seconds"]))


def check(condition, message, *args):
    if not condition:
        raise AssertionError(message % args if args else message)


def equal(actual, expected, what):
    check(actual == expected, "%s: expected %r, got %r", what, expected, actual)


def keep(name, value):
    """Records a value (an id, a URL) for the harness to check against the server."""
    _results["values"][name] = value
    _save()


def finish():
    _results["ok"] = True
    _save()
    print("ALL STEPS PASSED")
    sys.stdout.flush()


def start_sdk():
    """Imports the SDK configured for a test run: no git detection (it can hang in close())."""
    from clearml import Task
    Task.force_store_standalone_script(True)
    return Task


def work_dir():
    folder = os.path.join(os.environ["HOME"], "work")
    os.makedirs(folder, exist_ok=True)
    return folder


def write_file(name, content):
    path = os.path.join(work_dir(), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(content, bytes) else "w") as out:
        out.write(content)
    return path
