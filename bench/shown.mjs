// Save to shown, in a real browser: node bench/shown.mjs PAGE_URL MARKDOWN_FILE COUNT
// Opens the page in headless Chromium (tests/browser's playwright-core), then COUNT
// times adds a new word to the first paragraph after the page's first heading and
// waits until the tab shows it, through the server's own live reload (a reload, or an
// update in place). The time shown is from the save to the first frame after the word
// entered the page, as the page itself records it (a MutationObserver installed in
// every document, on the same clock as the save), so Playwright's own polling is not
// counted. Prints one JSON line: each time, in ms.
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "../tests/browser/chromium.mjs";

const [url, file, count] = process.argv.slice(2);
const browser = await launch();
const times = [];
try {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__shown = {};
    const check = () => {
      for (const marker of (document.body?.textContent || "").match(/vellumshown\d+x\d+/g) || []) {
        if (marker in window.__shown) continue;
        window.__shown[marker] = null;
        requestAnimationFrame(() => { window.__shown[marker] = performance.timeOrigin + performance.now(); });
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.goto(url);
  // The reload script connects before the first edit.
  await page.waitForTimeout(500);
  for (let n = 0; n < Number(count); n++) {
    const marker = `vellumshown${n}x${Date.now()}`;
    const text = readFileSync(file, "utf8").replace(/(\n## [^\n]*\n\n)/, `$1${marker} `);
    const started = Date.now();
    writeFileSync(file, text);
    await page.waitForFunction((m) => document.body && document.body.innerText.includes(m), marker, { polling: "raf", timeout: 20000 });
    const painted = await page.waitForFunction((m) => window.__shown && window.__shown[m], marker, { timeout: 20000 });
    times.push(Math.round((await painted.jsonValue()) - started));
    await page.waitForTimeout(300);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ times }));
