"""What the server benchmarks share: databases, `flask` commands, gunicorn on loopback, timed requests.

Used by load.py, reads_during_import.py, import_listings.py and scale.py, so a database is made,
a command measured, a server started and a request timed the same way everywhere.
"""
from __future__ import annotations

import gzip
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "buurtkracht-demo"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# `make run`'s defaults (Makefile WORKERS and THREADS).
MAKE_RUN_WORKERS, MAKE_RUN_THREADS = 2, 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p(values: list[float], q: float) -> float:
    """The q-quantile of seconds, in ms (nearest rank below; inf stays inf)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def fresh_database(kind: str, workdir: Path, template: str | None = None) -> str:
    """A new empty SQLite file or PostgreSQL database (a copy of `template` when given)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    name = f"buurtkracht_bench_{uuid.uuid4().hex[:8]}"
    postgres_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def postgres_execute(sql: str, *params):
    import psycopg
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        return conn.execute(sql, params or None).fetchall() if sql.lstrip().upper().startswith("SELECT") \
            else conn.execute(sql, params or None)


def drop_database(url: str) -> None:
    """Remove a database fresh_database made (a SQLite file or a PostgreSQL database)."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    else:
        postgres_execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


PEAK = ("import resource, sys, runpy\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "else:\n    code = 0\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print('PEAK_KIB', usage.ru_maxrss, 'CPU_S', usage.ru_utime + usage.ru_stime, file=sys.stderr)\n"
        "sys.exit(code)\n")


def run(args: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float, float, str]:
    """Run a module (`flask --app community ...`) in a fresh process: wall-clock seconds, peak MiB,
    CPU seconds (user + system: steadier on a shared machine), output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True,
                          cwd=cwd, timeout=1800)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or "PEAK_KIB" not in done.stderr:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    figures = done.stderr.rsplit("PEAK_KIB", 1)[1].split()
    peak, cpu = int(figures[0]) / 1024, float(figures[2])
    return seconds, peak, cpu, done.stdout + done.stderr


def flask(*args: str) -> list[str]:
    return ["flask", "--app", "community", *args]


def app_env(database_url: str, **extra) -> dict:
    return {**os.environ, "SECRET_KEY": "bench", "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "memory://", **extra}


def get(url: str, timeout: float = 60) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0  # refused, reset or timed out
    return time.perf_counter() - started, status


class Client:
    """A browser-like client with its own cookies; `request` never raises (status 0: no answer)."""

    def __init__(self, base: str, timeout: float = 60, headers: dict | None = None):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = list((headers or {}).items())

    def request(self, path: str, data: dict | None = None) -> tuple[float, int, str, str]:
        seconds, status, body, url, headers = self.fetch(path, data)
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return seconds, status, body.decode("utf-8", "replace"), url

    def fetch(self, path: str, data: dict | None = None) -> tuple[float, int, bytes, str, dict]:
        """Seconds, status, the body as sent (compressed when the server compressed it), url, headers."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as response:
                raw, status, url, headers = response.read(), response.status, response.url, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, url, headers = exc.read(), exc.code, path, dict(exc.headers or {})
        except OSError:
            raw, status, url, headers = b"", 0, path, {}
        return time.perf_counter() - started, status, raw, url, headers

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        _s, _st, html, _u = self.request("/login")
        found = TOKEN.search(html)
        assert found, f"no login form at {self.base}/login"
        _s, status, _t, _u = self.request("/login", {"csrf_token": found.group(1),
                                                     "email": email, "password": password})
        assert status == 200, f"login of {email} failed: {status}"


@contextmanager
def gunicorn(env: dict, cwd: Path = ROOT, workers: int = MAKE_RUN_WORKERS, threads: int = MAKE_RUN_THREADS,
             wait: float = 60):
    """gunicorn on a free loopback port (as `make run` starts it); yields (base url, the master process)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if threads > 1:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command + ["community:create_app()"], env=env, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while get(base + "/healthz", timeout=5)[1] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start on {base}")
            time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_pids(master: subprocess.Popen) -> list[int]:
    """The gunicorn workers (children of the master), from /proc."""
    try:
        text = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def peak_rss_mib(pid: int) -> float:
    """A process's highest resident set size so far (VmHWM), in MiB; nan when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
