// What the browser tests share: Debian's Chromium started with the flags this machine
// needs, and a static server for a built site.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

// Serves a built site's folder on 127.0.0.1:port, as a static host would (a folder
// answers with its index.html). Returns the server, to close.
export function serveDir(site, port) {
  const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".png": "image/png", ".xml": "application/xml", ".json": "application/json" };
  return createServer((req, res) => {
    let path = join(site, decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, "index.html");
    if (!existsSync(path)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": types[extname(path)] || "application/octet-stream" });
    res.end(readFileSync(path));
  }).listen(port, "127.0.0.1");
}
