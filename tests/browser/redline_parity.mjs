// The compare page's redlines (themes/default/static/redline.js) against the published
// ones (src/policy/redline.rs), without a browser:
//   node redline_parity.mjs SITE_DIR [SITE_DIR...]
// SITE_DIR is a built site (its public/ folder, or the site's root). For every published
// redline (each version's changes/ page, against the version before it, and each
// superseded version's changes-to-current/ page), runs redline.js on the two versions'
// blocks.json, with the labels of the policy's compare page, and compares with the page:
// the marked words (the text of every <ins> and <del> in order, with its class, compared
// without whitespace), the
// whole text of the redline (whitespace removed: the published pages are minified), the
// sequence of elements (optional tags aside) and the stats sentence; on a site built with
// `minify = false`, the redline's HTML itself, character for character.
// Prints {"ok":true,"pairs":N,...} or the mismatches, with context; exits 1 on any.
import { createRequire } from "node:module";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { redline } = require(process.env.REDLINE_JS || join(here, "../../themes/default/static/redline.js"));

// ---- A small HTML reader, enough for the redline body of a page and for redline.js's
// output (both are well-formed apart from the minifier's omitted optional end tags).
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", shy: "\u00ad", ndash: "\u2013", mdash: "\u2014", hellip: "\u2026", rsquo: "\u2019", lsquo: "\u2018", ldquo: "\u201c", rdquo: "\u201d", euro: "\u20ac", copy: "\u00a9", reg: "\u00ae", trade: "\u2122", times: "\u00d7", middot: "\u00b7" };
function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);?/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : whole;
  });
}

const TOKEN = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|[^<]+|</g;
function parse(html) {
  const tokens = [];
  for (const m of html.matchAll(TOKEN)) {
    if (m[0].startsWith("<!--")) continue;
    if (m[2]) {
      tokens.push({ type: m[1] ? "end" : "start", name: m[2].toLowerCase(), attrs: attributes(m[3] || ""), at: m.index });
    } else {
      tokens.push({ type: "text", text: decode(m[0]), at: m.index });
    }
  }
  return tokens;
}
function attributes(text) {
  const out = {};
  for (const m of text.matchAll(/([^\s"'>\/=]+)(?:\s*=\s*("([^"]*)"|'([^']*)'|[^\s"'=<>`]+))?/g)) {
    const value = m[3] ?? m[4] ?? m[2] ?? "";
    out[m[1].toLowerCase()] = decode(value);
  }
  return out;
}

const squeeze = (text) => text.replace(/\s+/g, " ").trim();

// The <ins>/<del> elements in order of their start: tag, class, text.
function marks(tokens) {
  const out = [];
  const open = [];
  for (const t of tokens) {
    if (t.type === "start" && (t.name === "ins" || t.name === "del")) {
      const mark = { tag: t.name, class: t.attrs.class || "", text: "" };
      out.push(mark);
      open.push(mark);
    } else if (t.type === "end" && (t.name === "ins" || t.name === "del")) {
      for (let k = open.length - 1; k >= 0; k--) {
        if (open[k].tag === t.name) {
          open.splice(k, 1);
          break;
        }
      }
    } else if (t.type === "text") {
      for (const mark of open) mark.text += t.text;
    }
  }
  return out.map((m) => ({ ...m, text: squeeze(m.text) }));
}

// Elements whose start tag a minifier may leave out.
const OPTIONAL_START = new Set(["html", "head", "body", "tbody", "colgroup"]);
const startTags = (tokens) =>
  tokens
    .filter((t) => t.type === "start" && !OPTIONAL_START.has(t.name))
    .map((t) => t.name + (t.attrs.class ? "." + t.attrs.class.split(/\s+/).sort().join(".") : ""));
const allText = (tokens) =>
  tokens
    .filter((t) => t.type === "text")
    .map((t) => t.text)
    .join("")
    .replace(/\s+/g, "");

// The inner HTML of the first element whose start tag matches `open`.
function element(html, open) {
  const start = html.search(open);
  if (start < 0) return null;
  const name = html.slice(start + 1).match(/^[a-zA-Z0-9]+/)[0].toLowerCase();
  const contentStart = html.indexOf(">", start) + 1;
  const re = new RegExp(`<(/?)${name}\\b[^>]*>`, "gi");
  re.lastIndex = contentStart;
  let depth = 1;
  for (let m; (m = re.exec(html)); ) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return html.slice(contentStart, m.index);
  }
  return html.slice(contentStart);
}

// ---- The site.
function walk(dir, found = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, found);
    else if (entry === "index.html" && /\/(changes|changes-to-current)$/.test(dir)) found.push(path);
  }
  return found;
}

function compareLabels(policyDir) {
  const page = join(policyDir, "compare/index.html");
  const out = { labels: {}, stats: null, lang: "en" };
  if (!existsSync(page)) return out;
  const html = readFileSync(page, "utf8");
  const lang = html.match(/<html[^>]*\blang=["']?([^"'\s>]+)/i);
  if (lang) out.lang = lang[1];
  const body = parse(html).find((t) => t.type === "start" && (t.attrs.class || "").split(/\s+/).includes("redline-body"));
  if (body) {
    const a = body.attrs;
    const keys = { unchanged: "data-unchanged", opening: "data-opening", was_paragraph: "data-was-paragraph", was_list_item: "data-was-list-item", was_heading: "data-was-heading", link_was: "data-link-was", link_added: "data-link-added" };
    for (const [key, attr] of Object.entries(keys)) if (a[attr] !== undefined) out.labels[key] = a[attr];
  }
  const stats = parse(html).find((t) => t.type === "start" && (t.attrs.class || "").split(/\s+/).includes("redline-stats"));
  if (stats) out.stats = stats.attrs;
  return out;
}

function statsSentence(r, templates, lang) {
  const nf = new Intl.NumberFormat(lang);
  let text = r.changed_sections === 1 ? templates["data-stats-one"] : templates["data-stats-other"];
  text = text.split("{added}").join(nf.format(r.inserted)).split("{removed}").join(nf.format(r.deleted)).split("{sections}").join(nf.format(r.changed_sections));
  if (r.links_changed === 1) text += " " + templates["data-links-one"];
  else if (r.links_changed > 1) text += " " + templates["data-links-other"].split("{count}").join(nf.format(r.links_changed));
  if (r.forms_changed === 1) text += " " + templates["data-forms-one"];
  else if (r.forms_changed > 1) text += " " + templates["data-forms-other"].split("{count}").join(nf.format(r.forms_changed));
  return squeeze(text);
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i === a.length && i === b.length ? -1 : i;
}

function show(list, at) {
  return list.slice(Math.max(0, at - 2), at + 3).map((m, k) => `    ${Math.max(0, at - 2) + k}: ${typeof m === "string" ? m : `<${m.tag}${m.class ? ` class=${m.class}` : ""}> ${JSON.stringify(m.text.slice(0, 160))}`}`).join("\n");
}

function checkPage(pagePath, cache) {
  const html = readFileSync(pagePath, "utf8");
  const body = element(html, /<div[^>]*class=["']?[^"'>]*\bredline-body\b/i);
  if (body === null) return null; // a first version: nothing compared
  const policyDir = dirname(dirname(dirname(pagePath)));
  const versionDir = dirname(dirname(pagePath));
  const kind = pagePath.includes("changes-to-current") ? "changes-to-current" : "changes";
  // The two versions compared: the page's links to them, in the paragraph before the stats.
  const before = html.slice(0, html.search(/class=["']?redline-stats/));
  const paragraphs = before.slice(before.lastIndexOf("</header>")).split(/<p[\s>]/);
  const linked = (p) => [...new Set([...p.matchAll(/href=["']?[^"'\s>]*\/(\d{4}-\d{2}-\d{2})\/["'\s>]/g)].map((m) => m[1]))];
  const distinct = linked(paragraphs.findLast((p) => linked(p).length >= 2) || "");
  const dates = distinct;
  if (distinct.length < 2) throw new Error(`${pagePath}: cannot tell which versions it compares (${dates})`);
  const [from, to] = [distinct[0], distinct[distinct.length - 1]];
  if (kind === "changes" && to !== versionDir.split("/").pop()) throw new Error(`${pagePath}: compares ${from} and ${to}?`);
  const blocks = (date) => {
    const path = join(policyDir, date, "blocks.json");
    if (!cache.has(path)) cache.set(path, JSON.parse(readFileSync(path, "utf8")));
    return cache.get(path);
  };
  if (!cache.has(policyDir)) cache.set(policyDir, compareLabels(policyDir));
  const { labels, stats, lang } = cache.get(policyDir);
  const started = performance.now();
  const r = redline(blocks(from).blocks, blocks(to).blocks, labels);
  const ms = performance.now() - started;

  const problems = [];
  // Unminified pages hold the redline's HTML as it was made: then it must be the same.
  const exact = /class="prose redline-body">\n/.test(html);
  if (exact && body.trim() !== r.html.trim()) {
    const [a, b] = [body.trim(), r.html.trim()];
    const at = firstDifference(a, b);
    problems.push(`HTML differs at ${at}:\n  published:  …${JSON.stringify(a.slice(Math.max(0, at - 80), at + 80))}\n  redline.js: …${JSON.stringify(b.slice(Math.max(0, at - 80), at + 80))}`);
  }
  const published = parse(body);
  const ours = parse(r.html);
  const [pm, om] = [marks(published), marks(ours)];
  // Without whitespace: the minifier drops it between elements (`</li><li>`).
  const mk = (m) => `${m.tag}|${m.class}|${m.text.replace(/\s+/g, "")}`;
  const at = firstDifference(pm.map(mk), om.map(mk));
  if (at >= 0) problems.push(`marked words differ at #${at} (published ${pm.length}, redline.js ${om.length}):\n  published:\n${show(pm, at)}\n  redline.js:\n${show(om, at)}`);
  const [pt, ot] = [allText(published), allText(ours)];
  const tat = firstDifference(pt, ot);
  if (tat >= 0) problems.push(`text differs at ${tat}:\n  published:  …${pt.slice(Math.max(0, tat - 60), tat + 80)}\n  redline.js: …${ot.slice(Math.max(0, tat - 60), tat + 80)}`);
  const [ps, os] = [startTags(published), startTags(ours)];
  const sat = firstDifference(ps, os);
  if (sat >= 0) problems.push(`elements differ at #${sat} (published ${ps.length}, redline.js ${os.length}):\n  published:\n${show(ps, sat)}\n  redline.js:\n${show(os, sat)}`);
  const publishedStats = squeeze(decode(element(html, /<p[^>]*class=["']?redline-stats/i).replace(/<[^>]*>/g, "")));
  if (stats) {
    const ourStats = statsSentence(r, stats, lang);
    if (ourStats !== publishedStats) problems.push(`stats differ:\n  published:  ${publishedStats}\n  redline.js: ${ourStats}`);
  } else {
    problems.push("no compare page with the stats sentences");
  }
  return { page: pagePath, from, to, kind, ms, exact, marks: om.length, counts: [r.inserted, r.deleted, r.changed_sections, r.links_changed, r.forms_changed], problems };
}

const sites = process.argv.slice(2);
if (sites.length === 0) {
  console.error("usage: node redline_parity.mjs SITE_DIR [SITE_DIR...]");
  process.exit(2);
}
const summary = [];
let failures = 0;
let pairs = 0;
for (const site of sites) {
  const publicDir = existsSync(join(site, "public")) ? join(site, "public") : site;
  const cache = new Map();
  const pages = walk(publicDir).sort();
  let checked = 0;
  let slowest = 0;
  let markCount = 0;
  let exactCount = 0;
  for (const page of pages) {
    const result = checkPage(page, cache);
    if (!result) continue;
    checked++;
    markCount += result.marks;
    if (result.exact) exactCount++;
    slowest = Math.max(slowest, result.ms);
    if (result.problems.length) {
      failures++;
      console.log(`MISMATCH ${result.page} (${result.from} -> ${result.to}, counts ${result.counts}):\n${result.problems.join("\n")}\n`);
    }
  }
  pairs += checked;
  summary.push({ site, pairs: checked, exact_html: exactCount, marks: markCount, slowest_ms: Math.round(slowest) });
}
console.log(JSON.stringify({ ok: failures === 0, pairs, mismatches: failures, sites: summary }));
process.exit(failures === 0 ? 0 : 1);
