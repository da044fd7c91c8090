// How the shop's pages behave in a reader's hands:
//   node layout.mjs SITE_DIR PORT
// - a policy's contents sit beside the text at 1280 px and stay in view while the reader
//   scrolls; on a phone they come before the text, in its column;
// - every part of a policy page lines up with the text (one text width);
// - the Print button shows with JavaScript, prints, and is absent without it;
// - at 768 px a product's Buy button is on the first screen;
// - the product page's colour picker shows the Buy button of the chosen colour only,
//   without JavaScript, and that button's address carries the colour;
// - related products are cards with a picture, a price and availability.
// Prints {"ok":true}; throws naming what failed.
import { launch, serveDir } from "./chromium.mjs";

const [site, port] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}/`;
const server = serveDir(site, Number(port));
const browser = await launch();
const fail = (what) => {
  throw new Error(what);
};
try {
  // Contents beside the text, following the reader.
  const wide = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await wide.goto(base + "policies/privacy/");
  const layout = await wide.evaluate(() => {
    const toc = document.querySelector(".policy > .toc").getBoundingClientRect();
    const prose = document.querySelector(".policy > .prose").getBoundingClientRect();
    const widths = [...document.querySelectorAll(".policy > :not(.toc)")].map((el) => Math.round(el.getBoundingClientRect().width));
    return { tocLeft: toc.left, proseRight: prose.right, proseWidth: prose.width, widths };
  });
  if (layout.tocLeft < layout.proseRight) fail(`at 1280 px the contents are not beside the text: ${JSON.stringify(layout)}`);
  if (layout.widths.some((w) => w > layout.proseWidth + 1)) fail(`a part of the policy is wider than its text (${layout.proseWidth}px): ${layout.widths}`);
  await wide.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  const tocTop = await wide.evaluate(() => document.querySelector(".policy > .toc").getBoundingClientRect().top);
  if (tocTop < 0 || tocTop > 100) fail(`the contents do not follow the reader: top at ${tocTop}px after scrolling`);

  const phone = await browser.newPage({ viewport: { width: 375, height: 800 } });
  await phone.goto(base + "policies/privacy/");
  const order = await phone.evaluate(() => {
    const toc = document.querySelector(".policy > .toc").getBoundingClientRect();
    const prose = document.querySelector(".policy > .prose").getBoundingClientRect();
    return { before: toc.bottom <= prose.top, sticky: getComputedStyle(document.querySelector(".policy > .toc")).position };
  });
  if (!order.before || order.sticky === "sticky") fail(`on a phone the contents are not a block before the text: ${JSON.stringify(order)}`);

  // The redline's intro is as wide as its text, not the whole window.
  await wide.goto(base + "policies/privacy/2026-11-24/changes/");
  const intro = await wide.evaluate(() => [...document.querySelectorAll(".redline > p")].map((p) => p.getBoundingClientRect().width));
  const body = await wide.evaluate(() => document.querySelector(".redline-body").getBoundingClientRect().width);
  if (intro.length === 0 || intro.some((w) => w > body + 1)) fail(`the redline's intro (${intro}) is wider than its text (${body})`);
  // A punctuation-only change is boxed, not only underlined.
  const punct = await wide.evaluate(() => {
    const mark = document.querySelector("ins.redline-punct");
    return mark && getComputedStyle(mark).outlineStyle;
  });
  if (punct !== "solid") fail(`a punctuation-only insertion is not boxed: ${punct}`);

  // Print: a button with JavaScript, which prints; nothing without it.
  await wide.goto(base + "policies/privacy/");
  await wide.evaluate(() => {
    window.printed = 0;
    window.print = () => (window.printed += 1);
  });
  await wide.click("button[data-print]");
  if ((await wide.evaluate(() => window.printed)) !== 1) fail("the Print button does not print");
  const noScript = await browser.newPage({ javaScriptEnabled: false });
  await noScript.goto(base + "policies/privacy/");
  if (await noScript.locator("button[data-print]").isVisible()) fail("the Print button shows without JavaScript");

  // At tablet width the picture and the buying sit side by side: Buy is on the first
  // screen, not under a full-width picture.
  const tablet = await browser.newPage({ viewport: { width: 768, height: 1000 } });
  await tablet.goto(base + "products/smart-watches/sense-2/");
  const buyTop = await tablet.evaluate(() => document.querySelector("a.buy-variant").getBoundingClientRect().bottom);
  if (buyTop > 1000) fail(`at 768 px the Buy button is below the first screen (${buyTop}px)`);

  // The colour picker, without JavaScript.
  await noScript.goto(base + "products/smart-watches/sense-2/");
  const visibleBuy = async () => {
    const links = noScript.locator("a.buy-variant");
    const shown = [];
    for (let i = 0; i < (await links.count()); i += 1) {
      if (await links.nth(i).isVisible()) shown.push(await links.nth(i).getAttribute("href"));
    }
    return shown;
  };
  let shown = await visibleBuy();
  if (shown.length !== 1 || !shown[0].endsWith("?variant=Shadow%20Grey")) fail(`before a choice the Buy buttons shown are ${shown}`);
  await noScript.getByLabel("Lunar White").check();
  shown = await visibleBuy();
  if (shown.length !== 1 || !shown[0].endsWith("?variant=Lunar%20White")) fail(`after choosing Lunar White the Buy buttons shown are ${shown}`);
  const buyName = await noScript.locator("a.buy-variant:visible").innerText();
  if (!buyName.includes("Lunar White")) fail(`the Buy button does not name the colour: ${buyName}`);

  // Related products: cards with a picture, a price and availability.
  const cards = await noScript.evaluate(() =>
    [...document.querySelectorAll(".related-products .product-card")].map((card) => ({
      picture: !!card.querySelector("img[src]"),
      price: /\d/.test(card.querySelector(".price")?.textContent || ""),
      availability: !!card.querySelector(".availability")?.textContent.trim(),
    })),
  );
  if (cards.length === 0 || cards.some((c) => !c.picture || !c.price || !c.availability)) fail(`related products: ${JSON.stringify(cards)}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
  server.close();
}
