"""The review as a background job: one per key (data version and parameters), safe to run again.

Three ways to run, chosen by BUURTKRACHT_REVIEW_JOBS (default: ``rq`` when the shared cache is
Redis, ``process`` when it is the embedded file cache, else ``thread``):

* ``rq``, the scale-out set-up: the job goes on the RQ queue ``<CACHE_KEY_PREFIX>review`` in the
  cache's Redis and an RQ worker runs it (``flask --app community review-worker``). A Redis
  key taken with SET NX keeps it to one job per key across every app process.
* ``thread``, the embedded default (SQLite, no Redis): one worker thread per app process runs
  the jobs one after another; a key already queued or running there is not queued again, nor
  one that another process on this machine claimed in the shared (file) cache: one process
  computes, the others serve the result from that cache.
* ``process``, the embedded default with its file cache: as ``thread``, but the job runs in a
  child process of its own (spawned, one at a time per app process), which ends when the review
  is stored. A region's review needs about 700 MiB while it is computed (bench/scale.py: a
  gunicorn worker that computed it in a thread kept a peak of 914 MiB against 220 MiB); in a
  child the memory goes back when it ends, and the web workers stay small. The child makes
  its app from this app's settings. A claim whose process is gone is taken over.

The job (``cache.job``) computes the review (``cache.compute``: it lands in the shared cache) and writes its
progress to the shared cache, where the page that says "computing" reads it. A job that fails
says so and frees its key: the next view starts it again. Nothing is half-written: the review is
stored whole or not at all.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

from flask import Flask, current_app

from ...extensions import cache as shared
from ...extensions import db
from .parameters import ReviewParams

log = logging.getLogger(__name__)
QUEUE = "review"  # after the cache's key prefix: apps with prefixes of their own share no queue
LOCK_SECONDS = 30 * 60  # a worker that died frees its key after this long
_threads_lock = threading.Lock()


def mode(app: Flask | None = None) -> str:
    config = (app or current_app).config
    chosen = config.get("BUURTKRACHT_REVIEW_JOBS")
    if chosen:
        return chosen
    return {"RedisCache": "rq", "FileSystemCache": "process"}.get(config.get("CACHE_TYPE"), "thread")


def start(key: str, params: ReviewParams, job) -> None:
    """Queue ``job(key, fields of params)`` unless it is queued or running already for ``key``.

    ``job`` is a module-level function (RQ stores its import path); it should call ``run``.
    """
    fields = asdict(params)
    if mode() == "rq":
        try:
            _start_rq(key, fields, job)
            return
        except Exception:  # Redis went away between the cache and here: compute in this process
            log.warning("RQ unavailable, computing the review in a thread", exc_info=True)
    app = current_app._get_current_object()
    if mode() == "process":
        _start_process(app, key, fields, job)
    else:
        _start_thread(app, key, fields, job)


def status(key: str) -> dict:
    """{"done": steps done, "total": steps, "failed": bool} (zeros before the job has started)."""
    try:
        found = shared.get(_progress_key(key))
    except Exception:
        found = None
    return found or {"done": 0, "total": 0, "failed": False}


def run(key: str, fields: dict, compute) -> None:
    """A job's body (in an app context): ``compute(params, progress)``, reporting progress, freeing the key."""
    params = ReviewParams(**{**fields, "weights": tuple(tuple(w) for w in fields["weights"])})
    progress = SharedProgress(key)
    try:
        compute(params, progress=progress)
    except Exception:
        log.exception("the review job %s failed", key)
        progress.fail()
    finally:
        db.session.remove()
        _release(key)


class SharedProgress:
    """Progress in the shared cache; several start() calls add up to one count of steps."""

    def __init__(self, key: str):
        self.key, self.done, self.total = key, 0, 0
        self._write()

    def start(self, total: int, label: str = "") -> None:
        self.total += total
        self._write()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self._write()

    def finish(self) -> None:
        self.done = self.total
        self._write()

    def fail(self) -> None:
        self._write(failed=True)

    def _write(self, failed: bool = False) -> None:
        try:
            shared.set(_progress_key(self.key), {"done": self.done, "total": self.total, "failed": failed},
                       timeout=LOCK_SECONDS)
        except Exception:
            log.warning("shared cache unavailable, no progress for %s", self.key, exc_info=True)


def _progress_key(key: str) -> str:
    return "progress:" + key


# ---------------------------------------------------------------- the embedded way: a thread


def _threads(app: Flask) -> dict:
    with _threads_lock:
        return app.extensions.setdefault("buurtkracht_review_jobs", {
            "pool": ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-job"), "running": {}})


def _start_thread(app: Flask, key: str, fields: dict, job) -> None:
    jobs = _threads(app)
    with _threads_lock:
        jobs["running"] = {k: f for k, f in jobs["running"].items() if not f.done()}
        if key in jobs["running"] or not _claim(key, os.getpid()):
            return
        SharedProgress(key)  # "queued": the page shows no stale failure from an earlier try
        jobs["running"][key] = jobs["pool"].submit(_in_app, app, job, key, fields)


def _in_app(app: Flask, job, key: str, fields: dict) -> None:
    with app.app_context():
        job(key, fields)


def wait(app: Flask, timeout: float = 120) -> None:
    """Wait for this process's review threads and child processes (tests, and a clean shutdown)."""
    jobs = _threads(app)
    for future in list(jobs["running"].values()):
        future.result(timeout=timeout)
    for process in list(jobs.get("processes", {}).values()):
        process.join(timeout)


# ---------------------------------------------------------------- the embedded way: a child process


def _start_process(app: Flask, key: str, fields: dict, job) -> None:
    jobs = _threads(app)
    with _threads_lock:
        processes = jobs.setdefault("processes", {})
        for done in [k for k, p in processes.items() if not p.is_alive()]:
            processes.pop(done).join()  # reaped: no zombie stays behind
        if key in processes or not _claim(key, os.getpid()):
            return
        SharedProgress(key)
        child = multiprocessing.get_context("spawn").Process(
            target=_child, args=(app.extensions["buurtkracht_factory"], _settings(app), job, key, fields),
            name="review-job", daemon=True)
        try:
            child.start()
        except Exception:
            _release(key)
            raise
        shared.set("job:" + key, child.pid, timeout=LOCK_SECONDS)  # the claim names who computes
        processes[key] = child


def _settings(app: Flask) -> dict:
    """The app's settings that a child process can be given (all but objects made in this one)."""
    out = {}
    for name, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        out[name] = value
    out["INSTANCE_PATH"] = app.instance_path
    return out


def _child(factory, settings: dict, job, key: str, fields: dict) -> None:
    app = factory(settings)
    with app.app_context():
        job(key, fields)


# ---------------------------------------------------------------- the scale-out way: RQ


def _redis():
    from redis import Redis
    return Redis.from_url(current_app.config["CACHE_REDIS_URL"])


def _lock_key(key: str) -> str:
    return current_app.config.get("CACHE_KEY_PREFIX", "") + "job:" + key


def _start_rq(key: str, fields: dict, job) -> None:
    redis = _redis()
    if not redis.set(_lock_key(key), "1", nx=True, ex=LOCK_SECONDS):
        return  # queued or running in some process already
    try:
        SharedProgress(key)
        _queue(redis).enqueue(job, key, fields, job_timeout=LOCK_SECONDS, result_ttl=0,
                                               failure_ttl=24 * 3600)
    except Exception:
        redis.delete(_lock_key(key))
        raise


def _claim(key: str, pid: int) -> bool:
    """Take the job's key in the shared cache (add: only if nobody holds it; the value is the
    process that computes, on this machine). A claim whose process is gone (a worker restarted
    mid-job) is taken over; an unreachable cache lets this process compute."""
    try:
        if shared.add("job:" + key, pid, timeout=LOCK_SECONDS):
            return True
        holder = shared.get("job:" + key)
        if isinstance(holder, int) and holder != pid and not _alive(holder):
            shared.set("job:" + key, pid, timeout=LOCK_SECONDS)
            return True
        return False
    except Exception:
        log.warning("shared cache unavailable, no claim for %s", key, exc_info=True)
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release(key: str) -> None:
    try:
        if mode() == "rq":
            _redis().delete(_lock_key(key))
        else:
            shared.delete("job:" + key)
    except Exception:
        log.warning("could not free the review job key %s", key, exc_info=True)


def work(app: Flask, burst: bool = False) -> None:
    """Run an RQ worker for the review queue in this process, inside ``app``'s context."""
    from rq import SimpleWorker
    with app.app_context():
        redis = _redis()
        SimpleWorker([_queue(redis)], connection=redis).work(burst=burst)


def _queue(redis):
    from rq import Queue
    return Queue(current_app.config.get("CACHE_KEY_PREFIX", "") + QUEUE, connection=redis)
