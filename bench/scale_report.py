"""The tables and the PASS/FAIL list of bench/scale.py, from its results (also readable from --json)."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

GROWTH, CEILING = 2.0, 10.0            # region p95 / demo p95; region p95 / static file p95
REVIEW_CACHED_MS, REIMPORT_SPEED_UP = 300, 10
RSS_GROWTH, WEIGHT_GROWTH = 1.5, 1.5


def ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == math.inf:
        return "**fail**"
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.0f}"


def ratio(a: float, b: float) -> float:
    if a == math.inf:
        return math.inf
    return a / b if b and b == b and b != math.inf else math.nan


def x(value: float) -> str:
    return "–" if value != value else ("**fail**" if value == math.inf else f"{value:.1f}x")


def mark(ok: bool) -> str:
    return "PASS" if ok else "**FAIL**"


def table(kind: str, run: dict) -> tuple[list[str], list[tuple[str, bool, str]]]:
    demo, region = run["demo"], run["region"]
    static = region["pages"]["static file"]["p95"]
    lines = [f"| page | demo p50 ms | demo p95 ms | region p50 ms | region p95 ms | growth (p95) | "
             f"region p95 / static | n demo/region |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    growth_fail, ceiling_fail, failures = [], [], []
    for label, r in region["pages"].items():
        d = demo["pages"].get(label) or next((v for k, v in demo["pages"].items()
                                               if k.split(" (")[0] == label.split(" (")[0]), None)
        d_p50, d_p95 = (d["p50"], d["p95"]) if d else (math.nan, math.nan)
        growth, ceiling = ratio(r["p95"], d_p95), ratio(r["p95"], static)
        lines.append(f"| {label} | {ms(d_p50)} | {ms(d_p95)} | {ms(r['p50'])} | {ms(r['p95'])} | {x(growth)} | "
                     f"{x(ceiling) if label != 'static file' else '1.0x'} | {d['n'] if d else '–'}/{r['n']} |")
        if label == "static file":
            continue
        if not growth <= GROWTH:
            growth_fail.append(f"{label} {x(growth)}")
        if not ceiling <= CEILING:
            ceiling_fail.append(f"{label} {x(ceiling)}")
        if r["failures"] or (d and d["failures"]):
            failures.append(f"{label} ({(d or {}).get('failures', 0)} demo, {r['failures']} region; "
                            f"statuses {r['statuses']})")
    pages = len(region["pages"]) - 1
    rf, df = region["review_first"], demo["review_first"]
    first = rf["ready_after"] if rf.get("computing") else rf["seconds"]
    lines.append(f"| /review/ first view | {ms(df['seconds'] * 1000)} | (1 request) | {ms(rf['seconds'] * 1000)} | "
                 f"{'computing page; result after ' + ms(rf['ready_after'] * 1000) if rf.get('computing') else '(1 request)'}"
                 f" | {x(ratio(rf['seconds'], df['seconds']))} | | 1/1 |")
    cached = region["pages"]["/review/ cached"]["p95"]
    steps = region["record"].get("steps", {})
    first_import, reimport = steps.get("first import", {}), steps.get("unchanged re-import", {})
    speed_up = ratio(first_import.get("seconds", math.nan), reimport.get("seconds", math.nan))
    rss = ratio(region["worker_peak_rss_mib"], demo["worker_peak_rss_mib"])
    weight = ratio(region["home"]["gzip_kib"], demo["home"]["gzip_kib"]) if region["home"]["gzip_kib"] else math.inf  # no answer
    timeout = 30
    targets = [
        (f"every page's p95 at region within {GROWTH:g}x of demo ({pages - len(growth_fail)} of {pages} pages)",
         not growth_fail, "; ".join(growth_fail)),
        (f"every page's p95 at region within {CEILING:g}x of the static file ({pages - len(ceiling_fail)} of {pages})",
         not ceiling_fail, "; ".join(ceiling_fail)),
        ("no failed request (5xx, no answer, over the client timeout)", not failures, "; ".join(failures)),
        (f"/review/ region first view within the request timeout ({timeout} s) or a background job",
         (rf.get("computing") and first < math.inf) or rf["seconds"] <= timeout,
         f"{'background job, result after' if rf.get('computing') else 'answered in'} {first:.1f} s (status {rf['status']})"),
        (f"/review/ region cached under {REVIEW_CACHED_MS} ms (p95)", cached < REVIEW_CACHED_MS, ms(cached) + ("" if cached >= 10_000 else " ms")),
        (f"unchanged re-import >= {REIMPORT_SPEED_UP}x faster than a first import", speed_up >= REIMPORT_SPEED_UP,
         f"first {first_import.get('seconds', math.nan):.1f} s / {first_import.get('peak_mib', 0)} MiB, re-import "
         f"{reimport.get('seconds', math.nan):.1f} s / {reimport.get('peak_mib', 0)} MiB: {x(speed_up)} (CPU "
         f"{first_import.get('cpu_seconds', math.nan):.1f} s / {reimport.get('cpu_seconds', math.nan):.1f} s: "
         f"{x(ratio(first_import.get('cpu_seconds', math.nan), reimport.get('cpu_seconds', math.nan)))}; "
         f"both include the command's start-up)"
         + ("" if region["record"].get("cached") is False else f" (built {region['record'].get('built')}, "
            f"{region['record'].get('commit', '')[:7]})")),
        (f"peak RSS of a worker at region within {RSS_GROWTH:g}x of demo", rss <= RSS_GROWTH,
         f"demo {demo['worker_peak_rss_mib']:.0f} MiB, region {region['worker_peak_rss_mib']:.0f} MiB: {x(rss)}"
         + (f"; the job worker (`flask {region['job_worker']}`) demo {demo.get('job_worker_peak_rss_mib', 0):.0f} MiB, "
            f"region {region.get('job_worker_peak_rss_mib', 0):.0f} MiB" if region.get("job_worker") else "")
         + (" (a worker was restarted during the run: peak of the new one)"
            if region["workers_restarted"] or demo["workers_restarted"] else "")),
        (f"home page weight (gzip) at region within {WEIGHT_GROWTH:g}x of demo", weight <= WEIGHT_GROWTH,
         f"demo {demo['home']['gzip_kib']:.0f} KiB ({demo['home']['raw_kib']:.0f} raw), region "
         f"{region['home']['gzip_kib']:.0f} KiB ({region['home']['raw_kib']:.0f} raw): {x(weight)}"),
    ]
    return lines, targets


def report(results: dict, kinds) -> str:
    meta = results["meta"]
    out = [f"# bench/scale.py: {meta['date']}, commit {meta['commit']}, {meta['seconds']} s",
           f"options: {json.dumps(meta['options'])}"]
    for kind in kinds:
        run = results[kind]
        rec = run["region"]["record"]
        out += ["", f"## {kind} ({'Redis shared cache' if run['region']['redis'] else 'per-process cache'}; "
                    f"load average before {run['load_before']}, after {run['load_after']})",
                f"region: {json.dumps(rec.get('counts', {}))}; data set built {rec.get('built')} on "
                f"{rec.get('commit', '')[:60]} ({'from the cache' if rec.get('cached') else 'built in this run'}, "
                f"{rec.get('build_seconds')} s)", ""]
        lines, targets = table(kind, run)
        out += lines + ["", "| target | result | figures |", "|---|---|---|"]
        out += [f"| {name} | {mark(bool(ok))} | {detail} |" for name, ok, detail in targets]
        steps = rec.get("steps", {})
        out += ["", "build steps (region): " + ", ".join(f"{k} {v['seconds']:.1f} s / {v['peak_mib']} MiB"
                                                         for k, v in steps.items())]
    return "\n".join(out)


if __name__ == "__main__":  # python bench/scale_report.py results.json
    data = json.loads(Path(sys.argv[1]).read_text(), parse_constant=lambda c: math.inf if c == "Infinity" else math.nan)
    print(report(data, [k for k in ("sqlite", "postgresql") if k in data]))
