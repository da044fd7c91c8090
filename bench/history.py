#!/usr/bin/env python3
"""Generates a vellum site with ONE policy that has a long history of large versions,
like a big platform's privacy policy: a deterministic benchmark input for redlines,
the changelog, `changes-to-current` and `compare` pages.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/history.py OUT_DIR --versions 250 --kb 290 [--seed 1]
    cd OUT_DIR && ../path/to/vellum build --now 2026-11-25

OUT_DIR must not exist or be empty. The site is made with `vellum init` (the binary at
target/release/vellum, or --vellum PATH, or `vellum` on PATH), so that its theme is
the binary's own; without a binary the script stops.
The sample policy `vellum init` writes is removed, and content/policies/privacy/ gets an
`_index.md` and N versions, effective one every 3 to 5 days from 2022-01-03 (all before
2026-11-25), each about KB kilobytes of Markdown: H2 sections (some with fixed ids
such as {#cookies}), H3 subsections, paragraphs, bullet and numbered lists, pipe tables
(data category x purpose x legal basis x retention), absolute links to
https://example.com/..., anchor links to the fixed section ids, and bold text. (Below
about 30 KB the eleven fixed sections make a version larger than asked.)

Version i+1 is version i with 1 to 5 edits chosen at random among: change a few words of
a sentence, add or remove a sentence, add or remove a list item, change one table cell,
add or remove a table row, change only a link's target, a form change (a paragraph
becomes the last item of the list before it, or an H3 heading becomes a bold
paragraph), add a new section, remove a section, and a punctuation change. Each version
changes at least one word (checked on the text's words, runs of alphanumerics), so
none is word-identical to the one before, except that with --link-only-every K every
K-th version has one edit only, a link-target change (word-identical on purpose: vellum
refuses a version whose reader-visible text is the same as the one before).
Versions alternate material (announced 30 days before) and editorial changes, and each
has a summary naming its edits.

Prints one line: versions written, average and largest size in bytes, seconds.
"""
import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2022, 1, 3)
LAST_ALLOWED = dt.date(2026, 11, 24)  # every version is in the past on 2026-11-25
NOTICE_DAYS = 30

# ---------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------

SUBJECTS = [
    "We", "Wristline", "Our payment processors", "Our customer support team",
    "Our delivery partners", "Our analytics providers", "Our hosting provider",
    "Our fraud prevention partners", "Our marketing team", "Our warranty service partner",
    "Our security team", "Our affiliates",
]
VERBS = [
    "collect", "process", "store", "retain", "use", "review", "analyse", "record",
    "receive", "combine", "verify", "keep",
]
DATA = [
    "your name and contact details", "your shipping address", "your billing address",
    "your order history", "device identifiers", "your IP address",
    "heart rate data you choose to sync", "the last four digits of your payment card",
    "the content of messages you send to customer support",
    "approximate location derived from your IP address",
    "information about how you interact with our emails", "your account credentials",
    "product reviews you publish", "warranty registration details",
    "sleep and activity summaries", "your communication preferences",
    "browser type and language settings", "the pages you visit and the links you click",
    "records of returns and refunds", "your date of birth where you provide it",
    "the serial number of your device", "recordings of customer support calls",
    "your wish list and saved items", "survey answers", "referral codes you use",
    "information from social networks you connect", "loyalty programme points",
    "your phone number", "your email address", "diagnostic and crash reports",
]
PURPOSES = [
    "to process and deliver your order", "to provide customer support",
    "to detect and prevent fraud", "to comply with our legal obligations",
    "to improve the performance of our website", "to personalise product recommendations",
    "to send you marketing communications where you have agreed to receive them",
    "to manage returns, repairs and refunds", "to measure the effectiveness of our advertising",
    "to maintain the security of our systems", "to handle warranty claims",
    "to verify your identity", "to run promotions and competitions you enter",
    "to keep our accounting records", "to understand which products interest you",
    "to answer requests from public authorities", "to enforce our terms of sale",
    "to test new features of our store", "to calculate taxes and duties",
    "to notify you about product safety recalls",
]
CONDITIONS = [
    "where the law requires it", "unless you object", "only when you give us your consent",
    "for as long as your account remains active", "subject to appropriate safeguards",
    "in accordance with applicable data protection laws", "as described in this section",
    "where it is necessary for the performance of a contract with you",
    "where we have a legitimate interest that is not overridden by your rights",
    "within the limits set by our agreements with them", "on our documented instructions",
    "only for as long as needed", "after removing information that identifies you directly",
]
ACTIONS = [
    "create an account", "place an order", "contact customer support",
    "sign up for our newsletter", "register a warranty", "write a product review",
    "return a product", "take part in a survey", "use our mobile app",
    "connect a fitness tracker", "subscribe to restock alerts", "enter a competition",
    "apply a discount code", "browse our website", "chat with us online",
]
RIGHTS = [
    "ask for a copy of your personal information", "correct inaccurate information",
    "ask us to delete your information", "object to direct marketing",
    "withdraw your consent", "restrict how we use your information",
    "receive your information in a portable format", "opt out of the sale or sharing of your information",
    "lodge a complaint with a supervisory authority", "appeal a decision we made about your request",
]
METHODS = [
    "writing to privacy@example.com", "using the form on your account page",
    "calling our support line", "clicking the unsubscribe link in any email",
    "changing the settings in your browser", "visiting our privacy request centre",
    "contacting our data protection officer",
]
PERIODS = [
    "30 days", "90 days", "six months", "12 months", "two years", "three years",
    "five years", "seven years", "ten years", "the life of your account",
]
EVENTS = [
    "your last order", "you close your account", "the end of the warranty period",
    "we resolve your request", "the end of the financial year", "your last visit",
    "the promotion ends", "we receive your return",
]
SCOPES = [
    "our website", "our mobile apps", "our customer support channels", "our pop-up stores",
    "our newsletters", "our social media pages", "our warranty service",
]
ADVERBS = [
    "promptly", "securely", "regularly", "carefully", "automatically", "manually",
    "periodically", "only", "generally", "strictly",
]
URLS = [
    "https://example.com/cookie-settings", "https://example.com/privacy/requests",
    "https://example.com/account/preferences", "https://example.com/help/returns",
    "https://example.com/legal/terms-of-sale", "https://example.com/security",
    "https://example.com/privacy/archive", "https://example.com/help/contact",
    "https://example.com/legal/data-processing-addendum", "https://example.com/warranty",
    "https://example.com/privacy/california", "https://example.com/privacy/eea",
]
LINK_TEXTS = {
    "https://example.com/cookie-settings": "our Cookie Settings page",
    "https://example.com/privacy/requests": "our privacy request centre",
    "https://example.com/account/preferences": "your account preferences",
    "https://example.com/help/returns": "our returns help page",
    "https://example.com/legal/terms-of-sale": "our Terms of Sale",
    "https://example.com/security": "our security overview",
    "https://example.com/privacy/archive": "the archive of earlier policies",
    "https://example.com/help/contact": "our contact page",
    "https://example.com/legal/data-processing-addendum": "our data processing addendum",
    "https://example.com/warranty": "the warranty terms",
    "https://example.com/privacy/california": "our California notice",
    "https://example.com/privacy/eea": "our notice for the European Economic Area",
}
# Sections that are never removed and whose ids anchor links point to.
CORE = [
    ("introduction", "Introduction"),
    ("collect", "Information We Collect"),
    ("use", "How We Use Your Information"),
    ("sharing", "How We Share Your Information"),
    ("cookies", "Cookies and Similar Technologies"),
    ("retention", "How Long We Keep Your Information"),
    ("transfers", "International Transfers"),
    ("security", "How We Protect Your Information"),
    ("rights", "Your Rights and Choices"),
    ("children", "Children's Privacy"),
    ("contact", "Contact Us"),
]
ANCHOR_TEXTS = {
    "introduction": "the introduction", "collect": "Information We Collect",
    "use": "How We Use Your Information", "sharing": "How We Share Your Information",
    "cookies": "Cookies and Similar Technologies", "retention": "How Long We Keep Your Information",
    "transfers": "International Transfers", "security": "How We Protect Your Information",
    "rights": "Your Rights and Choices", "children": "Children's Privacy", "contact": "Contact Us",
}
REGIONS = [
    "California", "Colorado", "Virginia", "Connecticut", "Utah", "Texas", "Oregon",
    "Brazil", "Canada", "Quebec", "the United Kingdom", "Switzerland", "Japan",
    "South Korea", "Australia", "New Zealand", "Singapore", "India", "South Africa",
    "Mexico", "Argentina", "Turkey", "the United Arab Emirates", "Israel", "Norway",
    "Thailand", "Indonesia", "Vietnam", "Chile", "Colombia", "Kenya", "Nigeria",
]
TOPICS = [
    "Fitness Tracker Data", "Our Mobile App", "Marketing Communications",
    "Product Reviews", "Warranty and Repairs", "Loyalty Programme", "Gift Cards",
    "Competitions and Promotions", "Customer Support Recordings", "Social Media",
    "Automated Decision-Making", "Sale or Merger of Our Business", "Public Authorities",
    "Research and Product Development", "Aggregated Statistics", "Third-Party Websites",
    "Pop-Up Stores and Events", "Job Applicants", "Business Customers",
    "Affiliate Programme", "Connected Devices", "Voice Assistants", "Payment Security",
    "Data Breach Notification", "Do Not Track Signals", "Global Privacy Control",
]
H3_TITLES = [
    "What we collect", "Why we collect it", "Legal basis", "Who receives it",
    "How long we keep it", "Your choices", "Examples", "Safeguards", "Exceptions",
    "How to make a request", "What happens next", "Information from other sources",
    "Information you give us", "Information collected automatically", "Limits on use",
    "Verification", "Authorised agents", "Timelines", "Fees", "Appeals",
]
TABLE_COLUMNS = [
    ("Category", [d.capitalize() for d in DATA]),
    ("Purposes", [p[3:].capitalize() for p in PURPOSES]),
    ("Legal basis", ["Contract", "Consent", "Legitimate interests", "Legal obligation",
                     "Vital interests", "Contract and legal obligation", "Consent where required"]),
    ("Retention", [p.capitalize() for p in PERIODS] + [
        f"{p.capitalize()} after {e}" for p in PERIODS[:6] for e in EVENTS[:4]]),
    ("Recipients", ["Payment processors", "Delivery partners", "Analytics providers",
                    "Hosting provider", "Customer support platform", "Auditors",
                    "Public authorities", "No one outside Wristline", "Advertising partners"]),
]
SYNONYMS = {
    "collect": "gather", "gather": "collect", "use": "process", "process": "handle",
    "handle": "process", "share": "disclose", "disclose": "share", "keep": "retain",
    "retain": "keep", "delete": "erase", "erase": "delete", "may": "might", "might": "may",
    "promptly": "quickly", "quickly": "promptly", "regularly": "periodically",
    "periodically": "regularly", "information": "data", "data": "information",
    "customers": "shoppers", "shoppers": "customers", "request": "ask", "ask": "request",
    "store": "hold", "hold": "store", "provide": "give", "give": "provide",
    "improve": "enhance", "enhance": "improve", "necessary": "needed", "needed": "necessary",
    "review": "examine", "examine": "review", "secure": "protect", "protect": "secure",
}
WORD_POOL = [
    "carefully", "personal", "limited", "specific", "additional", "relevant", "reasonable",
    "appropriate", "strict", "written", "automated", "separate", "external", "internal",
    "encrypted", "detailed", "annual", "independent", "regional", "temporary",
]


# ---------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------

class Writer:
    def __init__(self, rng: random.Random, subsections=(2, 4)):
        self.r = rng
        self.subsections = subsections

    def c(self, xs):
        return self.r.choice(xs)

    def link(self):
        if self.r.random() < 0.55:
            url = self.c(URLS)
            return f"[{LINK_TEXTS[url]}]({url})"
        anchor = self.c(CORE)[0]
        return f"[{ANCHOR_TEXTS[anchor]}](#{anchor})"

    def sentence(self, link_rate=0.12, bold_rate=0.05):
        r, c = self.r, self.c
        t = r.randrange(12)
        if t == 0:
            s = f"{c(SUBJECTS)} {c(VERBS)} {c(DATA)} {c(PURPOSES)}, {c(CONDITIONS)}."
        elif t == 1:
            s = f"When you {c(ACTIONS)}, we {c(VERBS)} {c(DATA)} and {c(DATA)} {c(PURPOSES)}."
        elif t == 2:
            s = f"We do not sell {c(DATA)}, and we do not use it {c(PURPOSES)} {c(CONDITIONS)}."
        elif t == 3:
            s = f"If you {c(ACTIONS)}, {c(SUBJECTS).lower() if r.random() < 0.3 else 'we'} may {c(VERBS)} {c(DATA)} {c(CONDITIONS)}."
        elif t == 4:
            s = f"You can {c(RIGHTS)} at any time by {c(METHODS)}."
        elif t == 5:
            s = f"We keep {c(DATA)} for {c(PERIODS)} after {c(EVENTS)}, after which we delete or anonymise it."
        elif t == 6:
            s = f"This applies to {c(SCOPES)} and {c(SCOPES)}, including {c(DATA)} and {c(DATA)}."
        elif t == 7:
            s = f"{c(SUBJECTS)} {c(ADVERBS)} {c(VERBS)} {c(DATA)} {c(PURPOSES)} and {c(PURPOSES)}."
        elif t == 8:
            s = f"Where we rely on consent, you may {c(RIGHTS)} without affecting processing that took place before, {c(CONDITIONS)}."
        elif t == 9:
            s = f"Our contracts require recipients to protect {c(DATA)} {c(CONDITIONS)} and to use it only {c(PURPOSES)}."
        elif t == 10:
            s = f"In some cases we {c(VERBS)} {c(DATA)} that we receive from {c(SUBJECTS[1:]).lower()} {c(PURPOSES)}."
        else:
            s = f"We review these practices {c(ADVERBS)} and at least every {c(PERIODS)} {c(CONDITIONS)}."
        s = s.replace("  ", " ")
        if r.random() < link_rate:
            s = s[:-1] + f"; see {self.link()}."
        if r.random() < bold_rate:
            s = f"**{c(['Important', 'Note', 'Please note', 'In short'])}:** " + s
        return s

    def item(self):
        r, c = self.r, self.c
        t = r.randrange(6)
        if t == 0:
            s = f"{c(DATA)}"
        elif t == 1:
            s = f"{c(PURPOSES)[3:]}"
        elif t == 2:
            s = f"**{c(DATA).capitalize()}**: {c(PURPOSES)}, {c(CONDITIONS)}"
        elif t == 3:
            s = f"the right to {c(RIGHTS)}"
        elif t == 4:
            s = f"{c(SUBJECTS)}, {c(PURPOSES)}"
        else:
            s = self.sentence(link_rate=0.2, bold_rate=0)[:-1]
        if r.random() < 0.08:
            s += f" (see {self.link()})"
        return s + ";"

    def paragraph(self, lo=2, hi=6):
        return {"t": "p", "s": [self.sentence() for _ in range(self.r.randint(lo, hi))]}

    def table(self):
        r = self.r
        cols = [TABLE_COLUMNS[0]] + r.sample(TABLE_COLUMNS[1:], r.randint(2, 4))
        return {"t": "table", "cols": [name for name, _ in cols],
                "rows": [self.row(cols) for _ in range(r.randint(3, 9))]}

    def row(self, cols):
        return [self.r.choice(values) for _, values in cols]

    def section(self, title, anchor=None, core=False):
        r = self.r
        blocks = [self.paragraph(2, 5)]
        if r.random() < 0.5:
            blocks.append(self.paragraph(2, 5))
        for _ in range(r.randint(*self.subsections)):
            blocks.append({"t": "h3", "text": self.c(H3_TITLES)})
            blocks.append(self.paragraph(2, 6))
            roll = r.random()
            if roll < 0.45:
                blocks.append({"t": "p", "s": [self.intro()]})
                blocks.append({"t": "ul", "items": [self.item() for _ in range(r.randint(3, 9))]})
            elif roll < 0.65:
                blocks.append({"t": "p", "s": [self.intro()]})
                blocks.append({"t": "ol", "items": [self.item() for _ in range(r.randint(3, 7))]})
            elif roll < 0.85:
                blocks.append({"t": "p", "s": [f"The table below summarises how we handle {self.c(DATA)} and related information."]})
                blocks.append(self.table())
            if r.random() < 0.6:
                blocks.append(self.paragraph(1, 4))
        return {"title": title, "anchor": anchor, "core": core, "blocks": blocks,
                "md": None, "words": None}

    def intro(self):
        return self.c([
            f"When you {self.c(ACTIONS)}, this includes:",
            f"{self.c(SUBJECTS)} may {self.c(VERBS)} the following:",
            f"We use this information for purposes such as:",
            f"Depending on where you live, you may have the right to:",
            f"Examples of what we {self.c(VERBS)} include:",
        ])


# ---------------------------------------------------------------------------------
# Markdown and words
# ---------------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")
LINK_TARGET = re.compile(r"\]\([^)]*\)")


def words_of(markdown: str):
    """The words a reader sees: link targets and `{#id}` dropped, alphanumeric runs."""
    text = LINK_TARGET.sub("]", markdown)
    text = re.sub(r"\{#[^}]*\}", "", text)
    text = re.sub(r"(?m)^\s*\d+\.\s", " ", text)
    return WORD.findall(text)


def render_block(b):
    t = b["t"]
    if t == "p":
        return " ".join(b["s"])
    if t == "h3":
        return "### " + b["text"]
    if t == "ul":
        return "\n".join("- " + i for i in b["items"])
    if t == "ol":
        return "\n".join(f"{n}. {i}" for n, i in enumerate(b["items"], 1))
    if t == "table":
        lines = ["| " + " | ".join(b["cols"]) + " |", "|" + "---|" * len(b["cols"])]
        lines += ["| " + " | ".join(row) + " |" for row in b["rows"]]
        return "\n".join(lines)
    raise ValueError(t)


def render_section(sec):
    if sec["md"] is None:
        head = "## " + sec["title"] + (f" {{#{sec['anchor']}}}" if sec["anchor"] else "")
        sec["md"] = head + "\n\n" + "\n\n".join(render_block(b) for b in sec["blocks"]) + "\n"
        sec["words"] = words_of(sec["md"])
    return sec["md"]


# ---------------------------------------------------------------------------------
# Edits: each returns (description, changes_words) or None when it does not apply.
# ---------------------------------------------------------------------------------

SPAN = re.compile(r"\[[^\]]*\]\([^)]*\)|\*\*[^*]*\*\*")
PLAIN_WORD = re.compile(r"\b[a-z]{3,}\b")


class Editor:
    def __init__(self, rng, writer, doc, target_bytes):
        self.r, self.w, self.doc, self.target = rng, writer, doc, target_bytes
        self.size = 0

    def pick_block(self, kinds, pred=lambda s, b: True):
        """A random (section, index) whose block's type is in `kinds`, or None."""
        r = self.r
        for _ in range(40):
            sec = r.choice(self.doc)
            idx = [i for i, b in enumerate(sec["blocks"]) if b["t"] in kinds and pred(sec, b)]
            if idx:
                return sec, r.choice(idx)
        cands = [(s, i) for s in self.doc for i, b in enumerate(s["blocks"])
                 if b["t"] in kinds and pred(s, b)]
        return r.choice(cands) if cands else None

    def change_words(self):
        got = self.pick_block({"p"})
        if not got:
            return None
        sec, i = got
        p = sec["blocks"][i]
        for _ in range(10):
            k = self.r.randrange(len(p["s"]))
            s = p["s"][k]
            protected = [m.span() for m in SPAN.finditer(s)]
            spots = [m for m in PLAIN_WORD.finditer(s)
                     if not any(a <= m.start() < b for a, b in protected)]
            # Prefer words with a synonym: the sentence still reads.
            spots = [m for m in spots if m.group() in SYNONYMS] or spots
            if not spots:
                continue
            chosen = sorted(self.r.sample(spots, min(len(spots), self.r.randint(1, 3))),
                            key=lambda m: m.start(), reverse=True)
            for m in chosen:
                old = m.group()
                new = SYNONYMS.get(old) or self.r.choice([w for w in WORD_POOL if w != old])
                s = s[:m.start()] + new + s[m.end():]
            p["s"][k] = s
            sec["md"] = None
            return f"reworded a sentence in {sec['title']}", True
        return None

    def add_sentence(self):
        got = self.pick_block({"p"}, lambda s, b: len(b["s"]) >= 2)
        if not got:
            return None
        sec, i = got
        p = sec["blocks"][i]
        p["s"].insert(self.r.randint(0, len(p["s"])), self.w.sentence())
        sec["md"] = None
        return f"added a sentence to {sec['title']}", True

    def remove_sentence(self):
        got = self.pick_block({"p"}, lambda s, b: len(b["s"]) >= 3)
        if not got:
            return None
        sec, i = got
        p = sec["blocks"][i]
        del p["s"][self.r.randrange(len(p["s"]))]
        sec["md"] = None
        return f"removed a sentence from {sec['title']}", True

    def add_item(self):
        got = self.pick_block({"ul", "ol"})
        if not got:
            return None
        sec, i = got
        items = sec["blocks"][i]["items"]
        items.insert(self.r.randint(0, len(items)), self.w.item())
        sec["md"] = None
        return f"added a list item in {sec['title']}", True

    def remove_item(self):
        got = self.pick_block({"ul", "ol"}, lambda s, b: len(b["items"]) >= 3)
        if not got:
            return None
        sec, i = got
        items = sec["blocks"][i]["items"]
        del items[self.r.randrange(len(items))]
        sec["md"] = None
        return f"removed a list item from {sec['title']}", True

    def change_cell(self):
        got = self.pick_block({"table"})
        if not got:
            return None
        sec, i = got
        t = sec["blocks"][i]
        row = self.r.choice(t["rows"])
        c = self.r.randrange(1, len(t["cols"]))
        values = dict(TABLE_COLUMNS)[t["cols"][c]]
        old = row[c]
        row[c] = self.r.choice([v for v in values if words_of(v) != words_of(old)])
        sec["md"] = None
        return f"changed the {t['cols'][c].lower()} of {row[0][0].lower() + row[0][1:]} in {sec['title']}", True

    def add_row(self):
        got = self.pick_block({"table"})
        if not got:
            return None
        sec, i = got
        t = sec["blocks"][i]
        cols = [(name, dict(TABLE_COLUMNS)[name]) for name in t["cols"]]
        t["rows"].insert(self.r.randint(0, len(t["rows"])), self.w.row(cols))
        sec["md"] = None
        return f"added a row to a table in {sec['title']}", True

    def remove_row(self):
        got = self.pick_block({"table"}, lambda s, b: len(b["rows"]) >= 3)
        if not got:
            return None
        sec, i = got
        rows = sec["blocks"][i]["rows"]
        del rows[self.r.randrange(len(rows))]
        sec["md"] = None
        return f"removed a row from a table in {sec['title']}", True

    def change_link(self):
        """Only a link's target changes: the words stay the same."""
        def links_in(b):
            texts = b["s"] if b["t"] == "p" else b.get("items", [])
            return any("](" in s for s in texts)
        got = self.pick_block({"p", "ul", "ol"}, lambda s, b: links_in(b))
        if not got:
            return None
        sec, i = got
        b = sec["blocks"][i]
        texts = b["s"] if b["t"] == "p" else b["items"]
        k = self.r.choice([k for k, s in enumerate(texts) if "](" in s])
        links = list(re.finditer(r"\]\(([^)]*)\)", texts[k]))
        m = self.r.choice(links)
        old = m.group(1)
        if old.startswith("#"):
            new = "#" + self.r.choice([a for a, _ in CORE if "#" + a != old])
        else:
            base = old.split("?")[0]
            new = self.r.choice([
                base + "?ref=policy", base.replace("https://example.com/", "https://www.example.com/"),
                base + "/", self.r.choice([u for u in URLS if u != base]),
            ])
            if new == old:
                new = base + "?v=" + str(self.r.randrange(2, 99))
        texts[k] = texts[k][:m.start(1)] + new + texts[k][m.end(1):]
        sec["md"] = None
        return f"updated a link in {sec['title']}", False

    def form_change(self):
        r = self.r
        if r.random() < 0.5:
            # A paragraph after a list becomes the list's last item (same words).
            cands = [(s, i) for s in self.doc for i in range(1, len(s["blocks"]))
                     if s["blocks"][i]["t"] == "p" and s["blocks"][i - 1]["t"] in ("ul", "ol")]
            if cands:
                sec, i = r.choice(cands)
                text = " ".join(sec["blocks"][i]["s"])
                sec["blocks"][i - 1]["items"].append(text)
                del sec["blocks"][i]
                sec["md"] = None
                return f"moved a paragraph into the list before it in {sec['title']}", False
        got = self.pick_block({"h3"})
        if got:
            sec, i = got
            text = sec["blocks"][i]["text"]
            sec["blocks"][i] = {"t": "p", "s": [f"**{text}.**"]}
            sec["md"] = None
            return f"turned a subheading of {sec['title']} into bold text", False
        return None

    def punctuation(self):
        got = self.pick_block({"p"}, lambda s, b: any(", " in x for x in b["s"]))
        if not got:
            return None
        sec, i = got
        p = sec["blocks"][i]
        k = self.r.choice([k for k, s in enumerate(p["s"]) if ", " in s])
        s = p["s"][k]
        spots = [m.start() for m in re.finditer(", ", s)
                 if not any(a <= m.start() < b for a, b in (x.span() for x in SPAN.finditer(s)))]
        if not spots:
            return None
        at = self.r.choice(spots)
        p["s"][k] = s[:at] + self.r.choice(["; ", " "]) + s[at + 2:]
        sec["md"] = None
        return f"corrected punctuation in {sec['title']}", False

    def add_section(self):
        title = self.new_title()
        sec = self.w.section(title)
        at = self.r.randint(1, len(self.doc) - 1)  # before Contact Us at the latest
        self.doc.insert(at, sec)
        return f"added the section {title}", True

    def remove_section(self):
        cands = [k for k, s in enumerate(self.doc) if not s["core"]]
        if not cands:
            return None
        k = self.r.choice(cands)
        title = self.doc[k]["title"]
        del self.doc[k]
        return f"removed the section {title}", True

    def new_title(self):
        used = {s["title"] for s in self.doc}
        for _ in range(100):
            if self.r.random() < 0.5:
                t = f"Additional Information for Residents of {self.r.choice(REGIONS)}"
            else:
                t = f"{self.r.choice(TOPICS)}"
            if t not in used:
                return t
        n = 2
        while f"Supplementary Notice {n}" in used:
            n += 1
        return f"Supplementary Notice {n}"

    WORD_EDITS = ["change_words", "add_sentence", "remove_sentence", "add_item",
                  "remove_item", "change_cell", "add_row", "remove_row", "add_section",
                  "remove_section"]

    def weights(self):
        big = self.size > self.target * 1.03
        small = self.size < self.target * 0.97
        return {
            "change_words": 8, "add_sentence": 5, "remove_sentence": 5, "add_item": 4,
            "remove_item": 4, "change_cell": 4, "add_row": 3, "remove_row": 3,
            "change_link": 3, "form_change": 2, "punctuation": 3,
            "add_section": 0.3 if big else (2.5 if small else 0.8),
            "remove_section": 2.5 if big else (0.1 if small else 0.8),
        }

    def one(self, names=None):
        w = self.weights()
        names = names or list(w)
        for _ in range(50):
            name = self.r.choices(names, [w[n] for n in names])[0]
            done = getattr(self, name)()
            if done:
                return done
        raise RuntimeError("no edit applies")


# ---------------------------------------------------------------------------------
# The site
# ---------------------------------------------------------------------------------

def find_vellum(given):
    for cand in [given, ROOT / "target" / "release" / "vellum", shutil.which("vellum")]:
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


def make_site(out: Path, vellum):
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out} is not empty: choose a new folder")
    # The site is what `vellum init` writes, so it always matches the binary measured.
    if not vellum:
        sys.exit("no vellum binary: build it (cargo build --release) or pass --vellum PATH")
    done = subprocess.run([vellum, "init", str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"`{vellum} init {out}` failed:\n{done.stdout}{done.stderr}")
    # Remove every sample policy: only the generated one stays.
    pol = out / "content" / "policies"
    for child in pol.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    (pol / "privacy").mkdir(parents=True)
    (pol / "privacy" / "_index.md").write_text(
        "+++\ntitle = \"Privacy Policy\"\n"
        "description = \"How we collect, use, share and protect your personal information.\"\n"
        f"notice_days = {NOTICE_DAYS}\n+++\n")


def dates(n, rng):
    span = (LAST_ALLOWED - START).days
    if n - 1 > span:
        sys.exit(f"{n} versions do not fit between {START} and {LAST_ALLOWED} at one a day")
    hi = max(1, min(5, span // max(1, n - 1)))
    lo = min(3, hi)
    day, out = START, []
    for _ in range(n):
        out.append(day)
        day += dt.timedelta(days=rng.randint(lo, hi))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="the new site's folder (must be empty or absent)")
    ap.add_argument("--versions", type=int, default=250, help="number of versions (default 250)")
    ap.add_argument("--kb", type=float, default=290, help="approximate size of each version in KB (default 290)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vellum", help="vellum binary for `vellum init` (default target/release/vellum, then PATH)")
    ap.add_argument("--link-only-every", type=int, default=0, metavar="K",
                    help="make every K-th version a single link-target change (word-identical on purpose; vellum refuses it)")
    args = ap.parse_args()
    if args.versions < 1:
        sys.exit("--versions must be at least 1")
    started = time.monotonic()
    rng = random.Random(args.seed)
    target = int(args.kb * 1024)
    # About 6 KB a section with 2 to 4 subsections: a small target gets shorter sections,
    # so that the sections every version keeps (CORE) fit in it.
    writer = Writer(rng, (2, 4) if target >= len(CORE) * 7000 else (1, 1))

    make_site(args.out, find_vellum(args.vellum))
    folder = args.out / "content" / "policies" / "privacy"

    doc = [writer.section(title, anchor, core=True) for anchor, title in CORE]
    # Extra sections go between the core ones, before Contact Us.
    editor = Editor(rng, writer, doc, target)
    size = sum(len(render_section(s)) for s in doc)
    while size < target * 0.98:
        title = editor.new_title()
        sec = writer.section(title)
        doc.insert(rng.randint(1, len(doc) - 1), sec)
        size += len(render_section(sec)) + 1

    days = dates(args.versions, rng)
    sizes, prev_words = [], None
    for v, day in enumerate(days):
        summary = None
        if v > 0:
            editor.size = sizes[-1]
            if args.link_only_every and v % args.link_only_every == 0:
                done = [editor.one(["change_link"])]
            else:
                done = [editor.one() for _ in range(rng.randint(1, 5))]
                if not any(changes for _, changes in done):
                    done.append(editor.one(Editor.WORD_EDITS))
            notes = list(dict.fromkeys(d for d, _ in done))
            summary = "; ".join(notes)
            summary = summary[0].upper() + summary[1:] + "."
        body = "\n".join(render_section(s) for s in doc)
        words = [w for s in doc for w in s["words"]]
        if prev_words is not None and words == prev_words and not (
                args.link_only_every and v % args.link_only_every == 0):
            raise AssertionError(f"version {v} is word-identical to the one before")
        prev_words = words
        front = ['+++', 'title = "Privacy Policy"',
                 'description = "How we collect, use, share and protect your personal information."']
        if summary:
            kind = "material" if v % 2 == 1 else "editorial"
            front.append('summary = "' + summary.replace("\\", "").replace('"', "'") + '"')
            front.append(f'change = "{kind}"')
            if kind == "material":
                front.append(f"announced = {day - dt.timedelta(days=NOTICE_DAYS)}")
        text = "\n".join(front) + "\n+++\n\n" + body
        (folder / f"{day}.md").write_text(text)
        sizes.append(len(text.encode()))

    took = time.monotonic() - started
    print(f"{args.out}: {len(sizes)} versions of content/policies/privacy, {days[0]} to {days[-1]}, "
          f"average {sum(sizes) / len(sizes):,.0f} bytes (min {min(sizes):,}, max {max(sizes):,}), "
          f"{sum(sizes) / 1e6:,.1f} MB in all, {took:.1f} s")


if __name__ == "__main__":
    main()
