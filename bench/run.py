#!/usr/bin/env python3
"""Whole-build benchmarks for vellum: cold builds at several sizes and incremental
rebuilds in `vellum serve`, with wall time and peak memory (RSS) from /usr/bin/time -v.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/run.py                 # 1k, 10k and 50k pages
    python3 bench/run.py --sizes 1000 10000 --runs 3

Corpora are generated deterministically by `vellum corpus` into target/bench/.
Prints a Markdown table for BENCHMARKS.md. Timings are never asserted in tests.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VELLUM = ROOT / "target" / "release" / "vellum"
WORK = ROOT / "target" / "bench"
NOW = "2026-11-25"


def corpus(pages):
    site = WORK / f"corpus-{pages}"
    if not (site / "site.toml").exists():
        shutil.rmtree(site, ignore_errors=True)
        subprocess.run([str(VELLUM), "corpus", str(site), "--pages", str(pages)], check=True)
    return site


def timed_build(site):
    """One cold build (no previous output, no image cache): wall seconds, peak MiB."""
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / ".vellum-cache", ignore_errors=True)
    (site / "policies.lock").unlink(missing_ok=True)
    result = subprocess.run(
        ["/usr/bin/time", "-v", str(VELLUM), "build", "--now", NOW],
        cwd=site, capture_output=True, text=True, check=True,
    )
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    return seconds, rss


def incremental(site, edit):
    """Starts `vellum serve`, makes one edit, and reads the rebuild time it reports."""
    server = subprocess.Popen(
        [str(VELLUM), "serve", "--port", "0", "--now", NOW],
        cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for line in server.stdout:
            if line.startswith("Serving "):
                break
        time.sleep(0.5)
        path, old, new = edit
        target = site / path
        original = target.read_text()
        target.write_text(original.replace(old, new, 1))
        try:
            for line in server.stdout:
                match = re.match(r"Rebuilt after \d+ change\(s\) in (\d+) ms: (\d+) pages rendered", line)
                if match:
                    return int(match.group(1)), int(match.group(2))
        finally:
            target.write_text(original)
    finally:
        server.kill()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not VELLUM.exists():
        sys.exit("build first: cargo build --release")
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"| Benchmark | Pages | Wall (median of {args.runs}) | Per page | Peak RSS |")
    print("|---|---|---|---|---|")
    for pages in args.sizes:
        site = corpus(pages)
        runs = sorted(timed_build(site) for _ in range(args.runs))
        wall, rss = runs[len(runs) // 2]
        print(f"| cold build | {pages} | {wall:.2f} s | {wall / pages * 1e6:.0f} µs | {rss:.0f} MiB |", flush=True)
        if pages == 10000:
            subprocess.run([str(VELLUM), "build", "--now", NOW], cwd=site, check=True, capture_output=True)
            page = ("content/pages/page-000123.md", "## Section 1", "## Section 1 edited")
            ms, rendered = incremental(site, page)
            print(f"| serve: edit one page | {pages} | {ms} ms | {rendered} pages re-rendered | |", flush=True)
            template = ("themes/default/templates/page.html", "<article class=\"document\">", "<article class=\"document edited\">")
            ms, rendered = incremental(site, template)
            print(f"| serve: edit page.html | {pages} | {ms} ms | {rendered} pages re-rendered | |", flush=True)


if __name__ == "__main__":
    main()
