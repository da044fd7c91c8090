// Validates the built site the way professionals do:
//   node validate.mjs SITE_DIR PORT SCREENSHOT_DIR PAGE...
// - the Nu HTML Checker (vnu-jar, on the machine's Java) on every page given: zero errors;
// - axe-core in Chromium at 375, 768 and 1280 px, light and dark: zero WCAG 2.1 A/AA
//   violations, and a screenshot of each page at each width in each scheme;
// - each page as printed (print media, screenshot), and on paper: no navigation or
//   forms, link addresses shown, a policy's permanent address and the day it was
//   printed; one policy saved as PDF.
// Prints a JSON report; exits 1 naming each page and rule that failed.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { launch, serveDir } from "./chromium.mjs";

const [site, port, shots, ...pages] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const failures = [];
mkdirSync(shots, { recursive: true });

// 1. Nu HTML Checker.
const files = pages.map((p) => join(site, p === "" || p.endsWith("/") ? p + "index.html" : p));
const vnu = require.resolve("vnu-jar/build/dist/vnu.jar");
let vnuOut = "";
try {
  execFileSync("java", ["-jar", vnu, "--format", "json", "--errors-only", ...files], { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
} catch (error) {
  vnuOut = error.stderr.toString();
}
if (vnuOut.trim()) {
  for (const message of JSON.parse(vnuOut).messages) {
    if (message.type === "error" || message.subType === "fatal") {
      failures.push(`vnu: ${message.url.replace(/^file:/, "")}:${message.lastLine}: ${message.message}`);
    }
  }
}

// 2. Serve the site and check every page in Chromium.
const server = serveDir(site, Number(port));

const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const report = { pages: pages.length, axe_runs: 0, screenshots: 0 };
const browser = await launch();
try {
  for (const path of pages) {
    const name = path.replace(/\/$/, "").replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home";
    // Light and dark (prefers-color-scheme) at a phone's, a tablet's and a desktop's
    // width: contrast is checked in each scheme.
    for (const [width, scheme] of [375, 768, 1280].flatMap((w) => [[w, "light"], [w, "dark"]])) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
      const response = await page.goto(`http://127.0.0.1:${port}/${path}`);
      if (!response.ok() && !path.startsWith("404")) failures.push(`${path}: HTTP ${response.status()}`);
      await page.evaluate(axeSource);
      const result = await page.evaluate(() =>
        window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
      );
      report.axe_runs += 1;
      for (const violation of result.violations) {
        const where = violation.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
        failures.push(`axe: ${path} at ${width}px, ${scheme}: ${violation.id} (${violation.help}) at ${where}`);
      }
      const suffix = scheme === "dark" ? "-dark" : "";
      await page.screenshot({ path: join(shots, `${name}-${width}${suffix}.png`), fullPage: true });
      report.screenshots += 1;
      await page.close();
    }
  }
  // 3. No page is wider than a phone's screen: at 320, 375 and 768 px nothing makes the
  // page scroll sideways (a table scrolls inside its own box, or stacks).
  for (const path of pages) {
    for (const width of [320, 375, 768]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`http://127.0.0.1:${port}/${path}`);
      const overflow = await page.evaluate(() => {
        const limit = window.innerWidth;
        const wide = document.documentElement.scrollWidth;
        if (wide <= limit) return null;
        // The widest element that sticks out, to say where to look.
        let worst = null;
        for (const el of document.body.querySelectorAll("*")) {
          const right = el.getBoundingClientRect().right;
          if (right > limit + 1 && (!worst || right > worst.right)) {
            worst = { right, what: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") };
          }
        }
        return { wide, what: worst ? worst.what : "?" };
      });
      report.overflow_checks = (report.overflow_checks || 0) + 1;
      if (overflow) failures.push(`overflow: ${path} at ${width}px is ${overflow.wide}px wide (${overflow.what})`);
      await page.close();
    }
  }
  // 4. Print, every page kind: no navigation or forms; link addresses shown; on a
  // policy page its permanent address and the day of printing (policy-date.js writes
  // it). A screenshot of each as printed, and one policy as PDF.
  for (const path of pages) {
    const name = path.replace(/\/$/, "").replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home";
    const print = await browser.newPage({ viewport: { width: 794, height: 1123 } });
    await print.goto(`http://127.0.0.1:${port}/${path}`);
    await print.emulateMedia({ media: "print" });
    const checks = await print.evaluate(() => {
      const shown = (el) => el && getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
      const link = document.querySelector('.prose a[href^="http"]');
      const permalink = document.querySelector(".policy-actions .permalink a");
      const printedOn = document.querySelector(".printed-on");
      return {
        nav: shown(document.querySelector(".site-nav")),
        forms: [...document.querySelectorAll("form, .print-action, .variant-picker")].some(shown),
        linkUrl: !link || getComputedStyle(link, "::after").content.includes("http"),
        permalink: !permalink || (shown(permalink) && getComputedStyle(permalink, "::after").content.includes("http")),
        printedOn: !printedOn || (shown(printedOn) && /\d{4}/.test(printedOn.textContent)),
      };
    });
    if (checks.nav) failures.push(`print: ${path}: the navigation is printed`);
    if (checks.forms) failures.push(`print: ${path}: a form or button is printed`);
    if (!checks.linkUrl) failures.push(`print: ${path}: link addresses are not printed`);
    if (!checks.permalink) failures.push(`print: ${path}: the permanent address is not printed`);
    if (!checks.printedOn) failures.push(`print: ${path}: the day of printing is not printed`);
    await print.screenshot({ path: join(shots, `${name}-print.png`), fullPage: true });
    report.print_checks = (report.print_checks || 0) + 1;
    if (path === pages.find((p) => p.includes("policies/"))) {
      await print.pdf({ path: join(shots, "print.pdf"), format: "A4" });
    }
    await print.close();
  }
} finally {
  await browser.close();
  server.close();
}
report.failures = failures;
console.log(JSON.stringify(report, null, 2));
process.exit(failures.length ? 1 : 0);
