#!/usr/bin/env python3
"""How precise vellum's published redlines are: for each policy version with a
predecessor, the words the redline page marks (inside <ins> and <del>) against the
words a plain minimal word diff of the two versions' Markdown finds.

Usage (from the repository root):
    (cd SITE_DIR && /path/to/vellum build --now 2026-11-25)    # writes SITE_DIR/public
    python3 bench/redline_precision.py SITE_DIR [--policy privacy] [--lang de]
        [--pages-glob 'public/policies/{policy}/{date}/changes/index.html'] [--quiet]

Plain diff. Each version's Markdown (front matter stripped) is made into the words a
reader sees: link and image targets, `{#id}` attributes, reference definitions, list
numbers, table pipes and other Markdown syntax dropped, HTML entities decoded, images'
alt text dropped (an attribute, not text); words are runs of alphanumerics (Python's
str.isalnum, as vellum's tokenizer uses char::is_alphanumeric), case kept. The two
word sequences are compared line by line first (difflib on lines of words, which
anchors the diff on unchanged lines), then each changed run of lines word by word with
Myers' algorithm, which finds a minimal edit script (difflib's SequenceMatcher if a run
is too large). Inserted + deleted words is the plain count. Shortcodes ({{ ... }}) and
data files cannot be expanded here: a policy that uses them is compared without them.

Redline. Words (alphanumeric runs) inside <ins> and <del> (nested tags included)
within the page's `redline-body` element (the legend's sample <ins>/<del> is outside
it); falls back to the whole page minus `redline-legend` when no such element exists.
Closing tags the minifier may omit (</p>, </li>, </td>...) do not matter: only
<ins>, <del> and the container's own tag are tracked. The page's own
"N words added, M removed" figures (class `redline-stats`) are shown beside.

Ratio = redline marked / plain marked (inserted + deleted). A version whose plain diff is
empty (a link-only change) shows ratio "-" if the redline marks nothing, "inf" if it
marks words. Summary: total ratio (sums), the largest ratio, and the number of versions
above 1.25x.

Notes. Beside the words, each row shows the page's notes against what the Markdown
says: "links md/page(anchor)" is link targets changed on lines whose words did not
change / `redline-link` notes on the page (of which on a heading's own `#` anchor,
i.e. a renumbered heading id rather than a link the author changed); "forms md/page"
is lines whose words stayed but whose block kind changed (paragraph, item, heading,
row) / `redline-form` notes; "punct" is `redline-punct` marks.

Exit status 0; 2 when a page is missing or --pages-glob matches more than one file.
"""
import argparse
import difflib
import glob
import html
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

THRESHOLD = 1.25
DEFAULT_GLOB = "public/{lang_prefix}policies/{policy}/{date}/changes/index.html"

# ---------------------------------------------------------------------------------
# Markdown to the words a reader sees
# ---------------------------------------------------------------------------------

FRONT = re.compile(r"\A\ufeff?(\+\+\+|---)[ \t]*\r?\n.*?\r?\n\1[ \t]*(\r?\n|\Z)", re.S)
EFFECTIVE = re.compile(r"(?m)^\s*effective\s*[=:]\s*\"?(\d{4}-\d{2}-\d{2})")
DRAFT = re.compile(r"(?m)^\s*draft\s*[=:]\s*true\b")
SUBS = [
    (re.compile(r"<!--.*?-->", re.S), " "),
    (re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S), " "),           # shortcodes
    (re.compile(r"(?m)^\s{0,3}\[[^\]]+\]:\s*\S.*$"), " "),        # reference definitions
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),                    # images (alt is an attribute)
    (re.compile(r"!\[[^\]]*\]\[[^\]]*\]"), " "),
    (re.compile(r"\[\^[^\]]*\]:?"), " "),                          # footnote labels
    (re.compile(r"\]\((?:[^()]|\([^)]*\))*\)"), "]"),              # inline link targets
    (re.compile(r"\]\[[^\]]*\]"), "]"),                            # reference link labels
    (re.compile(r"\{#[^}]*\}"), " "),                              # heading ids
    (re.compile(r"(?m)^(\s*(?:>\s*)*)\d+[.)](?=\s)"), r"\1 "),     # ordered list numbers
]
WORD = re.compile(r"[^\W_]+")


def is_word_char(c):
    return c.isalnum()


def split_words(text):
    """Runs of characters for which str.isalnum() holds."""
    words = WORD.findall(text)
    # \w without _ is close to isalnum(); fix the rare characters where they differ.
    if any(not w.isalnum() for w in words) or not text.isascii():
        words, cur = [], []
        for c in text:
            if c.isalnum():
                cur.append(c)
            elif cur:
                words.append("".join(cur))
                cur = []
        if cur:
            words.append("".join(cur))
    return words


def body_of(markdown):
    m = FRONT.match(markdown)
    return markdown[m.end():] if m else markdown


TARGET = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]*)")


def line_form(line):
    """The kind of block a Markdown line starts: heading, item, row or paragraph."""
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return "heading"
    if re.match(r"([-*+]|\d+[.)])\s", stripped):
        return "item"
    if stripped.startswith("|"):
        return "row"
    return "paragraph"


def markdown_lines(markdown):
    """The body's lines that hold words: (words, link targets, form) for each, the words
    being those a reader sees."""
    raw = body_of(markdown).replace("\r\n", "\n")
    out = []
    for line in raw.split("\n"):
        text = line
        for pattern, repl in SUBS:
            text = pattern.sub(repl, text)
        words = tuple(split_words(html.unescape(text)))
        if words:
            out.append((words, tuple(TARGET.findall(line)), line_form(line)))
    return out


# ---------------------------------------------------------------------------------
# Plain diff
# ---------------------------------------------------------------------------------

def myers_distance(a, b, max_d):
    """Minimal number of insertions + deletions turning a into b, or None past max_d."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return n + m
    offset = max_d + 1
    v = [0] * (2 * max_d + 3)
    for d in range(max_d + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                return d
    return None


def word_counts(a, b):
    """(inserted, deleted) words between word lists a and b."""
    # Common prefix and suffix first: cheap, and they shrink Myers' work.
    p = 0
    while p < len(a) and p < len(b) and a[p] == b[p]:
        p += 1
    s = 0
    while s < len(a) - p and s < len(b) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    a, b = a[p:len(a) - s], b[p:len(b) - s]
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return m, n
    # Myers is O((n+m)·D): bound the work, then fall back to difflib.
    max_d = min(n + m, max(200, 4_000_000 // (n + m)))
    d = myers_distance(a, b, max_d)
    if d is None:
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        same = sum(block.size for block in sm.get_matching_blocks())
        return m - same, n - same
    lcs = (n + m - d) // 2
    return m - lcs, n - lcs


def plain_diff(old_lines, new_lines):
    """(inserted, deleted, links, forms): words inserted and deleted; link targets changed
    and lines that changed form (a paragraph become a list item...) on lines whose words
    did not change."""
    old_words = [line[0] for line in old_lines]
    new_words = [line[0] for line in new_lines]
    sm = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    ins = dele = links = forms = 0
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            for (_, ot, of), (_, nt, nf) in zip(old_lines[i1:i2], new_lines[j1:j2]):
                if ot != nt:
                    links += sum(1 for a, b in zip(ot, nt) if a != b) + abs(len(ot) - len(nt))
                if of != nf:
                    forms += 1
            continue
        old = [w for line in old_words[i1:i2] for w in line]
        new = [w for line in new_words[j1:j2] for w in line]
        i, d = word_counts(old, new)
        ins += i
        dele += d
    return ins, dele, links, forms


# ---------------------------------------------------------------------------------
# Redline pages
# ---------------------------------------------------------------------------------

INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
          "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
          "var", "wbr", "ins", "del"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class RedlineCounter(HTMLParser):
    """Collects the page's text with, per character, whether it is inside <ins> or <del>,
    within the element whose class holds `scope` (all the page when scope is None),
    leaving out elements whose class holds `skip`."""

    def __init__(self, scope, skip):
        super().__init__(convert_charrefs=True)
        self.scope, self.skip = scope, skip
        self.scope_tag = None
        self.scope_depth = 0      # open elements named scope_tag since the scope opened
        self.in_scope = scope is None
        self.found_scope = False
        self.skip_tag, self.skip_depth = None, 0
        self.ins = self.dele = 0  # open <ins>/<del> inside the scope
        self.chunks = []          # (text, mark) with mark in "", "ins", "del"
        self.stats = None
        self.stats_depth = 0
        self.stats_text = []
        self.link_notes = self.form_notes = self.anchor_notes = self.punct_marks = 0
        self.note_open = 0         # depth inside a redline-link note
        self.after_link_note = False

    def _classes(self, attrs):
        for name, value in attrs:
            if name == "class" and value:
                return value.split()
        return []

    def handle_starttag(self, tag, attrs):
        classes = self._classes(attrs)
        if self.stats_depth and tag not in INLINE:
            # A minified page may leave out </p>: the next block ends the paragraph.
            self._end_stats()
        if "redline-stats" in classes and self.stats is None:
            self.stats_depth = 1
            self.stats_text = []
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        if self.skip and self.skip in classes and tag not in VOID:
            self.skip_tag, self.skip_depth = tag, 1
            return
        if not self.in_scope:
            if self.scope in classes and tag not in VOID:
                self.in_scope, self.found_scope = True, True
                self.scope_tag, self.scope_depth = tag, 1
            return
        if tag == self.scope_tag:
            self.scope_depth += 1
        if self.after_link_note:
            # A note of a changed link on a heading's own anchor (its id renumbered).
            if tag == "a" and "heading-anchor" in classes:
                self.anchor_notes += 1
            self.after_link_note = False
        if self.note_open:
            self.note_open += 1
        elif "redline-link" in classes:
            self.link_notes += 1
            self.note_open = 1
        if "redline-form" in classes:
            self.form_notes += 1
        if "redline-punct" in classes:
            self.punct_marks += 1
        if tag == "ins":
            self.ins += 1
        elif tag == "del":
            self.dele += 1
        if tag not in INLINE:
            self.chunks.append((" ", ""))

    def _end_stats(self):
        self.stats_depth = 0
        self.stats = "".join(self.stats_text)

    def handle_startendtag(self, tag, attrs):
        if self.in_scope and self.skip_tag is None and tag not in INLINE:
            self.chunks.append((" ", ""))

    def handle_endtag(self, tag):
        if self.stats_depth and tag not in INLINE:
            self._end_stats()
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if not self.in_scope:
            return
        if self.note_open:
            self.note_open -= 1
            if self.note_open == 0:
                self.after_link_note = True
        if tag == "ins":
            self.ins = max(0, self.ins - 1)
        elif tag == "del":
            self.dele = max(0, self.dele - 1)
        if tag not in INLINE:
            self.chunks.append((" ", ""))
        if self.scope_tag is not None and tag == self.scope_tag:
            self.scope_depth -= 1
            if self.scope_depth == 0:
                self.in_scope = False
                self.scope_tag = None
                self.scope = "\0never"  # one scope only

    def handle_data(self, data):
        if self.stats_depth:
            self.stats_text.append(data)
        if not self.in_scope or self.skip_tag is not None:
            return
        mark = "del" if self.dele else ("ins" if self.ins else "")
        self.chunks.append((data, mark))

    def counts(self):
        """(inserted, deleted, words in scope): a word is an alphanumeric run with one mark;
        a run whose characters carry different marks is split where the mark changes."""
        ins = dele = total = 0
        prev_mark, in_word = None, False
        for text, mark in self.chunks:
            for c in text:
                if c.isalnum():
                    if not in_word or mark != prev_mark:
                        total += 1
                        if mark == "ins":
                            ins += 1
                        elif mark == "del":
                            dele += 1
                    in_word, prev_mark = True, mark
                else:
                    in_word = False
        return ins, dele, total


def redline_counts(page: Path):
    text = page.read_text(encoding="utf-8", errors="replace")
    p = RedlineCounter("redline-body", "redline-legend")
    p.feed(text)
    p.close()
    if not p.found_scope:
        p = RedlineCounter(None, "redline-legend")
        p.feed(text)
        p.close()
    ins, dele, _ = p.counts()
    notes = (p.link_notes, p.anchor_notes, p.form_notes, p.punct_marks)
    stats = None
    if p.stats:
        nums = [int(re.sub(r"\D", "", n)) for n in re.findall(r"\d[\d,.\u00a0\u202f\u2009]*\d|\d", p.stats)]
        if len(nums) >= 2:
            stats = (nums[0], nums[1])
    return ins, dele, stats, p.found_scope, notes


# ---------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------

def versions_of(folder: Path, lang):
    """(date, path) of each version in `lang` (None: the default language), by date."""
    out = []
    for path in sorted(folder.glob("*.md")):
        parts = path.name.split(".")
        if parts[0] == "_index":
            continue
        file_lang = parts[1] if len(parts) == 3 else None
        if file_lang != lang:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        front = FRONT.match(text)
        front_text = front.group(0) if front else ""
        if DRAFT.search(front_text):
            continue
        m = EFFECTIVE.search(front_text)
        date = m.group(1) if m else parts[0]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            continue
        out.append((date, path))
    out.sort()
    return out


def fmt_ratio(r):
    if r is None:
        return "-"
    if r == float("inf"):
        return "inf"
    return f"{r:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path, help="a site folder already built (SITE/public)")
    ap.add_argument("--policy", action="append", help="only this policy (repeatable; default all)")
    ap.add_argument("--lang", help="a translation's language code, e.g. de (default: the default language)")
    ap.add_argument("--pages-glob", default=DEFAULT_GLOB,
                    help="where a redline page is, relative to SITE, with {policy}, {date} and "
                         "{lang_prefix} ('de/' or '') filled in; glob characters allowed "
                         f"(default {DEFAULT_GLOB})")
    ap.add_argument("--threshold", type=float, default=THRESHOLD, help="ratio counted as over (default 1.25)")
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args()

    started = time.monotonic()
    policies_dir = args.site / "content" / "policies"
    if not policies_dir.is_dir():
        sys.exit(f"{policies_dir} does not exist: is {args.site} a vellum site?")
    names = args.policy or sorted(p.name for p in policies_dir.iterdir() if p.is_dir())
    lang_prefix = f"{args.lang}/" if args.lang else ""

    rows, missing = [], []
    for name in names:
        versions = versions_of(policies_dir / name, args.lang)
        prev_lines = None
        for k, (date, path) in enumerate(versions):
            lines = markdown_lines(path.read_text(encoding="utf-8", errors="replace"))
            if k == 0:
                prev_lines = lines
                continue
            pattern = args.pages_glob.format(policy=name, date=date, lang_prefix=lang_prefix)
            hits = sorted(glob.glob(str(args.site / pattern)))
            plain_ins, plain_del, plain_links, plain_forms = plain_diff(prev_lines, lines)
            prev_lines = lines
            if len(hits) != 1:
                missing.append(f"{name} {date}: " + (
                    f"no page at {pattern}" if not hits else
                    f"{len(hits)} pages match {pattern}: " + ", ".join(hits[:3])))
                continue
            ins, dele, stats, scoped, notes = redline_counts(Path(hits[0]))
            plain, red = plain_ins + plain_del, ins + dele
            ratio = red / plain if plain else (float("inf") if red else None)
            rows.append((name, date, plain_ins, plain_del, ins, dele, ratio, stats, scoped,
                         (plain_links, plain_forms), notes))

    if not args.quiet and rows:
        print(f"{'policy':<10} {'version':<10} {'plain +':>8} {'plain -':>8} {'redline +':>9} "
              f"{'redline -':>9} {'ratio':>7}  {'page says +/-':>14}  "
              f"{'links md/page(anchor)':>21} {'forms md/page':>13} {'punct':>5}")
        for name, date, pi, pd, ri, rd, ratio, stats, scoped, (pl, pf), notes in rows:
            says = f"{stats[0]}/{stats[1]}" if stats else "?"
            flag = " <" if ratio is not None and ratio > args.threshold else ""
            note = "" if scoped else "  (no redline-body: whole page)"
            links = f"{pl}/{notes[0]}({notes[1]})"
            print(f"{name:<10} {date:<10} {pi:>8} {pd:>8} {ri:>9} {rd:>9} {fmt_ratio(ratio):>7}  "
                  f"{says:>14}  {links:>21} {f'{pf}/{notes[2]}':>13} {notes[3]:>5}{flag}{note}")
    for m in missing:
        print("missing:", m, file=sys.stderr)
    if not rows:
        print("no redline pages compared", file=sys.stderr)
        sys.exit(2)
    plain_total = sum(r[2] + r[3] for r in rows)
    red_total = sum(r[4] + r[5] for r in rows)
    finite = [r[6] for r in rows if r[6] is not None]
    total_ratio = red_total / plain_total if plain_total else float("inf")
    over = sum(1 for r in finite if r > args.threshold)
    link_only = sum(1 for r in rows if r[2] + r[3] == 0)
    mismatched = sum(1 for r in rows if r[7] and r[7] != (r[4], r[5]))
    md_links = sum(r[9][0] for r in rows)
    md_forms = sum(r[9][1] for r in rows)
    page_links = sum(r[10][0] for r in rows)
    anchor_links = sum(r[10][1] for r in rows)
    page_forms = sum(r[10][2] for r in rows)
    print(f"{len(rows)} redlines: plain {plain_total} words marked, redline {red_total}; "
          f"total ratio {fmt_ratio(total_ratio)}, max ratio {fmt_ratio(max(finite) if finite else None)}, "
          f"{over} over {args.threshold}x; {link_only} with no plain word change; "
          f"{mismatched} where the page's own counts differ from its <ins>/<del> words")
    print(f"notes: {page_links} changed-link notes on the pages ({anchor_links} on heading anchors), "
          f"{md_links} link targets changed on unchanged lines of the Markdown; "
          f"{page_forms} changed-form notes, {md_forms} lines changed form in the Markdown; "
          f"{time.monotonic() - started:.1f} s")
    sys.exit(2 if missing else 0)


if __name__ == "__main__":
    main()
