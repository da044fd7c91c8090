// Live reload in a real browser: node live_reload.mjs SERVER_URL SITE_ROOT
// Opens a policy page, edits its Markdown, and checks that the tab shows the change by
// itself; then breaks the front matter and checks the error overlay; then fixes it;
// then checks that a stylesheet change and a plain page's body edit (updated in place)
// do not reload the tab.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch } from "./chromium.mjs";

const [url, root] = process.argv.slice(2);
const file = join(root, "content/policies/terms/2026-06-01.md");
const css = join(root, "themes/default/static/style.css");
const original = readFileSync(file, "utf8");
const timings = {};

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(url + "policies/terms/");
  await page.waitForFunction(() => document.body.innerText.includes("We accept orders online."));
  // The reload script connects before we edit.
  await page.waitForTimeout(300);

  let started = Date.now();
  writeFileSync(file, original.replace("We accept orders online.", "We accept orders online and by post."));
  await page.waitForFunction(() => document.body.innerText.includes("We accept orders online and by post."), null, { timeout: 10000 });
  timings.save_to_reload_ms = Date.now() - started;

  await page.waitForTimeout(300);
  started = Date.now();
  writeFileSync(file, original.replace('title = "Terms of Sale"', 'title = "Terms of Sale'));
  const overlay = page.locator("#vellum-error");
  await overlay.waitFor({ timeout: 10000 });
  timings.save_to_overlay_ms = Date.now() - started;
  const text = await overlay.innerText();
  check(text.includes("content/policies/terms/2026-06-01.md:2"), "the overlay names the file and line:\n" + text);
  check(text.includes('title = "Terms of Sale'), "the overlay shows the offending line:\n" + text);
  check((await overlay.getAttribute("role")) === "alert", "the overlay is announced");
  check(text.includes("Fix what is named below and save the file"), "the overlay says what to do:\n" + text);
  // The reader can close it to look at the last good page; the next problem shows it again.
  await overlay.getByRole("button", { name: "Close" }).click();
  check((await page.locator("#vellum-error").count()) === 0, "the Close button removes the overlay");
  writeFileSync(file, original.replace('title = "Terms of Sale"', 'title = "Terms of Sale" x'));
  await overlay.waitFor({ timeout: 10000 });

  writeFileSync(file, original);
  await page.waitForFunction(() => !document.getElementById("vellum-error") && document.body.innerText.includes("We accept orders online."), null, { timeout: 10000 });

  // A stylesheet change is swapped in without reloading the page.
  await page.evaluate(() => { window.__vellumMarker = "still here"; });
  await page.waitForTimeout(300);
  writeFileSync(css, readFileSync(css, "utf8") + "\nbody { border-top: 7px solid rgb(1, 2, 3); }\n");
  await page.waitForFunction(() => getComputedStyle(document.body).borderTopWidth === "7px", null, { timeout: 10000 });
  check((await page.evaluate(() => window.__vellumMarker)) === "still here", "a CSS change reloaded the page");

  // A page whose body alone changed, with no scripts of its own, is updated in place:
  // no reload, and the reader keeps their place.
  const about = join(root, "content/about.md");
  const aboutText = readFileSync(about, "utf8");
  await page.goto(url + "about/");
  await page.setViewportSize({ width: 400, height: 200 });
  await page.evaluate(() => { window.__vellumMarker = "in place"; window.scrollTo(0, 60); });
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.waitForTimeout(300);
  started = Date.now();
  writeFileSync(about, aboutText.replace("About us.", "About us, updated."));
  await page.waitForFunction(() => document.body.innerText.includes("About us, updated."), null, { timeout: 10000 });
  timings.save_to_update_in_place_ms = Date.now() - started;
  check((await page.evaluate(() => window.__vellumMarker)) === "in place", "a body edit reloaded the page");
  check((await page.evaluate(() => window.scrollY)) === scrolled, "a body edit lost the reader's place");
  writeFileSync(about, aboutText);

  console.log(JSON.stringify({ ok: true, ...timings }));
} finally {
  writeFileSync(file, original);
  await browser.close();
}
