// The "version in force on" form: node policy_date.mjs SERVER_URL
// Hidden without JavaScript; with it, a date leads to the version in force that day.
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
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
