// The compare page in Chromium, on a built site it serves itself or on a running server:
//   node compare.mjs SITE_DIR PORT [POLICY_PATH...]   (like layout.mjs: SITE_DIR is a
//     built site's public folder, built for http://127.0.0.1:PORT/)
//   node compare.mjs SERVER_URL [POLICY_PATH...]      (like policy_date.mjs: `vellum serve`)
// POLICY_PATH is a policy's path, such as policies/privacy/ (by default: those of
// policies/privacy/, de/policies/privacy/ and policies/terms/ that have a compare page
// with two versions or more). For each one:
// - for every two consecutive versions A and B, compare/?from=A&to=B shows, once its
//   script has fetched both blocks.json, the redline B's published changes page shows:
//   the same marked words (the text of each <ins> and <del>, in order, with its class),
//   the same folded sections and the same stats sentence; the page's address stays
//   ?from=A&to=B and the result's heading names both dates;
// - picking the newer version first and pressing Compare gives the same redline, in the
//   right order, without leaving the page (?from=A&to=B);
// - two equal versions say so (the form's data-message-same) and show no result;
// - when a blocks.json cannot be loaded, the form says so (data-message-failed);
// - without JavaScript the form stays hidden and the list of published redlines links
//   every version's changes page;
// - no script error, CSP violation or failed load on the way.
// Prints {"ok":true,"compared":[...]}; throws naming what failed.
import { launch, serveDir } from "./chromium.mjs";

const args = process.argv.slice(2);
if (args.length === 0) throw new Error("usage: node compare.mjs SITE_DIR PORT [POLICY_PATH...] | SERVER_URL [POLICY_PATH...]");
let base;
let server = null;
let asked;
if (/^https?:/.test(args[0])) {
  base = args[0].endsWith("/") ? args[0] : args[0] + "/";
  asked = args.slice(1);
} else {
  const [site, port] = args;
  base = `http://127.0.0.1:${port}/`;
  server = serveDir(site, Number(port));
  asked = args.slice(2);
}
const candidates = asked.length ? asked : ["policies/privacy/", "de/policies/privacy/", "policies/terms/"];
const browser = await launch();
const fail = (what) => {
  throw new Error(what);
};

// What a redline shows, read from the DOM: marked words, folded sections, stats.
function readRedline(scope) {
  const root = document.querySelector(scope);
  const body = root.querySelector(".redline-body");
  const flat = (el) => el.textContent.replace(/\s+/g, "");
  return {
    marks: [...body.querySelectorAll("ins, del")].map((el) => `${el.localName}${el.className ? "." + el.className : ""}:${flat(el)}`),
    folded: [...body.querySelectorAll("details.redline-unchanged > summary")].map((el) => el.textContent.trim()),
    stats: root.querySelector(".redline-stats").textContent.replace(/\s+/g, " ").trim(),
  };
}

function sameRedline(what, got, want) {
  for (const key of ["stats", "folded"]) {
    if (JSON.stringify(got[key]) !== JSON.stringify(want[key])) fail(`${what}: ${key} differ:\n  compare page: ${JSON.stringify(got[key])}\n  published:    ${JSON.stringify(want[key])}`);
  }
  const at = got.marks.findIndex((m, i) => m !== want.marks[i]);
  if (at >= 0 || got.marks.length !== want.marks.length) {
    const i = at >= 0 ? at : Math.min(got.marks.length, want.marks.length);
    fail(`${what}: marked words differ at #${i} (compare page ${got.marks.length}, published ${want.marks.length}):\n  compare page: ${got.marks.slice(i, i + 3).join(" | ")}\n  published:    ${want.marks.slice(i, i + 3).join(" | ")}`);
  }
}

const checked = [];
try {
  const errors = [];
  const page = await browser.newPage();
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) errors.push(`console error: ${message.text()}`);
  });
  // Failed loads are named by their address (the browser's own favicon request aside).
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) errors.push(`${response.status()} for ${response.url()}`);
  });
  const published = await browser.newPage({ javaScriptEnabled: false });
  const noScript = await browser.newPage({ javaScriptEnabled: false });

  for (const policy of candidates) {
    const compare = base + policy + "compare/";
    const response = await fetch(compare);
    const select = response.ok ? (await response.text()).match(/name="?from"?[^>]*>([\s\S]*?)<\/select>/) : null;
    const versions = select ? select[1].split("<option").length - 1 : 0;
    if (versions < 2) {
      if (asked.length) fail(`${compare}: no compare page with two versions (HTTP ${response.status}, ${versions} versions)`);
      continue;
    }
    await page.goto(compare);
    const form = page.locator("form.compare-versions");
    await form.waitFor({ state: "visible", timeout: 5000 });
    const info = await page.evaluate(() => {
      const f = document.querySelector("form.compare-versions");
      return {
        dates: [...f.elements.from.options].map((o) => o.value).sort(),
        same: f.dataset.messageSame,
        failed: f.dataset.messageFailed,
        result: document.querySelector(".compare-result").hidden,
      };
    });
    if (info.dates.length < 2) fail(`${compare}: fewer than two versions to compare`);
    if (!info.result) fail(`${compare}: the result shows before any comparison`);

    for (let k = 1; k < info.dates.length; k++) {
      const [from, to] = [info.dates[k - 1], info.dates[k]];
      const what = `${policy} ${from} -> ${to}`;
      await published.goto(`${base}${policy}${to}/changes/`);
      const want = await published.evaluate(readRedline, "article.redline");

      await page.goto(`${compare}?from=${from}&to=${to}`);
      await page.locator(".compare-result").waitFor({ state: "visible", timeout: 10000 });
      const got = await page.evaluate(readRedline, ".compare-result");
      sameRedline(what, got, want);
      const state = await page.evaluate(() => ({
        search: location.search,
        title: document.getElementById("compare-result-title").textContent,
        output: document.querySelector("form.compare-versions output").textContent,
        lang: document.documentElement.lang,
      }));
      if (state.search !== `?from=${from}&to=${to}`) fail(`${what}: the address ends in ${state.search}`);
      if (state.output !== "") fail(`${what}: the form still says ${JSON.stringify(state.output)}`);
      const day = (d) => new Intl.DateTimeFormat(state.lang, { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${d}T00:00:00Z`));
      if (!state.title.includes(day(from)) || !state.title.includes(day(to)) || state.title.includes("{")) {
        fail(`${what}: the result's heading is ${JSON.stringify(state.title)}`);
      }

      // The newer version first, by hand: the same redline, the versions put in order.
      await page.goto(compare);
      await page.selectOption("#compare-from", to);
      await page.selectOption("#compare-to", from);
      await page.click("form.compare-versions button");
      await page.waitForFunction((query) => location.search === query, `?from=${from}&to=${to}`, { timeout: 10000 });
      await page.locator(".compare-result").waitFor({ state: "visible", timeout: 5000 });
      if (new URL(page.url()).pathname !== new URL(compare).pathname) fail(`${what}: Compare left the page for ${page.url()}`);
      sameRedline(`${what} (picked newer first)`, await page.evaluate(readRedline, ".compare-result"), want);
      checked.push(what);
    }

    // Two equal versions.
    await page.goto(compare);
    await page.selectOption("#compare-from", info.dates[0]);
    await page.selectOption("#compare-to", info.dates[0]);
    await page.click("form.compare-versions button");
    await page.waitForFunction((text) => document.querySelector("form.compare-versions output").textContent === text, info.same, { timeout: 5000 });
    if (await page.locator(".compare-result").isVisible()) fail(`${policy}: a result shows for two equal versions`);

    // A version that cannot be loaded.
    await page.route("**/blocks.json", (route) => route.abort());
    await page.goto(`${compare}?from=${info.dates[0]}&to=${info.dates[1]}`);
    await page.waitForFunction((text) => document.querySelector("form.compare-versions output").textContent === text, info.failed, { timeout: 5000 });
    if (await page.locator(".compare-result").isVisible()) fail(`${policy}: a result shows though the versions could not be loaded`);
    await page.unroute("**/blocks.json");
    errors.splice(0, errors.length, ...errors.filter((e) => !/blocks\.json|ERR_FAILED/.test(e)));

    // Without JavaScript: no form, every published redline listed.
    await noScript.goto(compare);
    if (await noScript.locator("form.compare-versions").isVisible()) fail(`${policy}: the compare form shows without JavaScript`);
    if (await noScript.locator(".compare-result").isVisible()) fail(`${policy}: the compare result shows without JavaScript`);
    const links = await noScript.evaluate(() => [...document.querySelectorAll(".compare-published a")].map((a) => new URL(a.href).pathname));
    for (const date of info.dates) {
      if (!links.some((l) => l.endsWith(`/${date}/changes/`))) fail(`${policy}: without JavaScript the page does not link ${date}'s changes (${links.join(", ")})`);
    }
  }
  if (checked.length === 0) fail(`no policy with two versions among ${candidates.join(", ")}`);
  if (errors.length) fail(errors.join("\n"));
  console.log(JSON.stringify({ ok: true, compared: checked }));
} finally {
  await browser.close();
  server?.close();
}
