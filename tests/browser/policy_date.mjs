// The policy pages' forms: node policy_date.mjs SERVER_URL
// "Version in force on": hidden without JavaScript; with it, a date leads to the version
// in force that day. "Compare versions": two versions lead to their redline, in either
// order; without JavaScript the page lists every pair instead.
import { launch } from "./chromium.mjs";

const [url] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(url + "policies/terms/");
  const form = page.locator("form.version-at");
  await form.waitFor({ state: "visible", timeout: 5000 });
  await page.fill("#version-date", "2026-05-31");
  await page.click("form.version-at button");
  await page.waitForURL(url + "policies/terms/2026-01-01/", { timeout: 5000 });
  await page.goto(url + "policies/terms/");
  await page.fill("#version-date", "2025-01-01");
  await page.click("form.version-at button");
  await page.waitForFunction(() => document.querySelector("form.version-at output").textContent.includes("No version"));
  const noScript = await browser.newPage({ javaScriptEnabled: false });
  await noScript.goto(url + "policies/terms/");
  if (await noScript.locator("form.version-at").isVisible()) throw new Error("the form shows without JavaScript");

  await page.goto(url + "policies/terms/");
  await page.click("text=Compare any two versions");
  await page.waitForURL(url + "policies/terms/compare/", { timeout: 5000 });
  await page.locator("form.compare-versions").waitFor({ state: "visible", timeout: 5000 });
  await page.selectOption("#compare-from", "2027-03-01");
  await page.selectOption("#compare-to", "2026-01-01");
  await page.click("form.compare-versions button");
  // The redline is computed in the page from the two versions' blocks.json, and the
  // address names the pair so it can be shared.
  await page.locator(".compare-result").waitFor({ state: "visible", timeout: 5000 });
  if ((await page.locator(".compare-result .redline-body ins").count()) === 0) throw new Error("the compare page shows no insertion");
  if (!page.url().includes("from=2026-01-01&to=2027-03-01")) throw new Error(`the address does not name the pair: ${page.url()}`);
  await page.selectOption("#compare-from", "2026-06-01");
  await page.selectOption("#compare-to", "2026-06-01");
  await page.click("form.compare-versions button");
  await page.waitForFunction(() => document.querySelector("form.compare-versions output").textContent.includes("two different"));
  await noScript.goto(url + "policies/terms/compare/");
  if (await noScript.locator("form.compare-versions").isVisible()) throw new Error("the compare form shows without JavaScript");
  if ((await noScript.locator(".compare-published a[href*='/changes']").count()) < 3) throw new Error("the compare page does not link the published redlines");
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
