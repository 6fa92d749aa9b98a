// End-to-end stories of the widget and the agent console in Debian's
// chromium, driven by playwright-core. Run by tests/api/browser.rs against
// the real server and model; it passes CANDOR_URL, CANDOR_SHOP_URL (a free
// port for a shop page on another origin), CANDOR_AGENT_TOKENS
// ("Sam's,Ana's"), CANDOR_CHROMIUM and CANDOR_ARTIFACTS. Exits non-zero on
// the first failed story.
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = process.env.CANDOR_URL;
const SHOP = process.env.CANDOR_SHOP_URL;
const [SAM, ANA] = (process.env.CANDOR_AGENT_TOKENS || "").split(",");
const ARTIFACTS = process.env.CANDOR_ARTIFACTS || "artifacts";
const MODEL_WAIT = 180_000;
assert.ok(BASE && SHOP && SAM && ANA, "CANDOR_URL, CANDOR_SHOP_URL and CANDOR_AGENT_TOKENS are required");
mkdirSync(ARTIFACTS, { recursive: true });

let passed = 0;
async function story(name, body) {
  const started = Date.now();
  try {
    await body();
  } catch (error) {
    console.log(`not ok - ${name}`);
    throw error;
  }
  passed += 1;
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

// No serious or critical axe-core violations on the page as it is now.
async function accessible(page, what) {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`));
  assert.deepEqual(violations, [], `${what}: axe violations`);
}

// What the widget's log shows, message by message.
function transcript(page) {
  return page.locator(".candor-log .candor-msg[data-seq]").evaluateAll((nodes) => nodes.map((n) => ({
    seq: Number(n.dataset.seq), sender: n.className.replace(/.*candor-(\w+).*/, "$1"),
    text: n.querySelector(".candor-text").textContent,
  })));
}

const browser = await chromium.launch({
  executablePath: process.env.CANDOR_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  // axe-core is injected as an inline script, which the console's CSP forbids.
  const options = { bypassCSP: true, acceptDownloads: true };
  const visitorContext = await browser.newContext(options);
  const widget = await visitorContext.newPage();
  const deltas = [];
  widget.on("websocket", (ws) => ws.on("framereceived", (f) => {
    try { const frame = JSON.parse(f.payload); if (frame.type === "delta") deltas.push(frame); } catch { /* not JSON */ }
  }));
  const message = widget.getByRole("textbox", { name: "Message", exact: true });
  const status = widget.locator(".candor-status");

  await story("the disclosure is visible at the top of the conversation", async () => {
    await widget.goto(BASE + "/");
    const disclosure = widget.locator(".candor-disclosure");
    await disclosure.waitFor();
    await widget.waitForFunction(() => document.querySelector(".candor-disclosure").textContent.includes("AI"));
    assert.ok(await disclosure.isVisible());
    await accessible(widget, "widget");
  });

  await story("a question gets a streamed reply labelled as the AI, with why", async () => {
    await message.fill("Hello! How are you today?");
    await widget.getByRole("button", { name: "Send", exact: true }).click();
    const reply = widget.locator(".candor-log .candor-ai[data-seq]").last();
    await reply.waitFor({ timeout: MODEL_WAIT });
    assert.ok(deltas.length > 0, "the reply arrived as deltas");
    const id = await reply.getAttribute("data-id");
    const streamed = deltas.filter((d) => d.id === id).map((d) => d.text).join("");
    assert.equal(streamed, await reply.locator(".candor-text").textContent(), "deltas add up to the stored reply");
    assert.equal(await reply.locator(".candor-label").textContent(), "AI assistant");
    await reply.getByRole("button", { name: "Why this reply?" }).click();
    const why = reply.locator(".candor-why");
    await why.waitFor();
    assert.match(await why.textContent(), /AI model|help articles|order records|Nothing in the shop/);
  });

  await story("Talk to a person shows the queue position", async () => {
    await widget.getByRole("button", { name: "Talk to a person" }).click();
    await widget.waitForFunction(() => /number 1 in the queue/.test(document.querySelector(".candor-status").textContent));
  });

  const consoleContext = await browser.newContext(options);
  const agent = await consoleContext.newPage();
  const other = await (await browser.newContext(options)).newPage();
  async function signIn(page, token) {
    await page.goto(BASE + "/agent");
    await page.getByRole("textbox", { name: "Agent token" }).fill(token);
    await page.getByRole("button", { name: "Connect" }).click();
  }

  await story("two agents sign in; one claims and the item leaves the other's queue", async () => {
    await signIn(agent, SAM);
    await signIn(other, ANA);
    const waiting = agent.getByRole("button", { name: /waiting/ });
    await waiting.first().waitFor();
    await other.getByRole("button", { name: /waiting/ }).first().waitFor();
    await waiting.first().click();
    await agent.getByRole("button", { name: "Claim" }).click();
    await agent.getByRole("textbox", { name: "Reply" }).waitFor();
    await other.getByRole("button", { name: /waiting/ }).waitFor({ state: "detached" });
    await widget.waitForFunction(() => /Sam, a person/.test(document.querySelector(".candor-status").textContent));
    assert.match(await agent.locator("#context").textContent(), /Summary/);
  });

  await story("each side sees the other typing", async () => {
    await message.pressSequentially("one moment", { delay: 20 });
    await agent.getByText("The customer is typing…").waitFor();
    await message.press("Enter");
    await agent.locator("#transcript .customer", { hasText: "one moment" }).waitFor();
    await agent.getByRole("textbox", { name: "Reply" }).pressSequentially("Hi", { delay: 20 });
    await widget.getByText("Sam is typing…").waitFor();
    await agent.getByRole("textbox", { name: "Reply" }).fill("");
  });

  const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>Hello, I am Sam & I'll help.`;
  await story("the agent's reply reaches the widget as text, labelled with the agent's name", async () => {
    const reply = agent.getByRole("textbox", { name: "Reply" });
    await reply.fill(hostile);
    await reply.press("Enter");
    const bubble = widget.locator(".candor-log .candor-agent[data-seq]").last();
    await bubble.waitFor();
    assert.equal(await bubble.locator(".candor-text").textContent(), hostile);
    assert.equal(await bubble.locator(".candor-label").textContent(), "Sam");
    assert.equal(await widget.locator(".candor-log img, .candor-log script").count(), 0);
    assert.equal(await agent.locator("#transcript img, #transcript script").count(), 0);
    assert.equal(await widget.evaluate(() => window.__pwned), undefined);
    assert.equal(await agent.evaluate(() => window.__pwned), undefined);
  });

  await story("a reload mid-conversation loses nothing and repeats nothing", async () => {
    const before = await transcript(widget);
    assert.ok(before.length >= 5, JSON.stringify(before));
    await widget.reload();
    await widget.waitForFunction((n) => document.querySelectorAll(".candor-log .candor-msg[data-seq]").length >= n, before.length);
    await widget.waitForTimeout(500);
    const after = await transcript(widget);
    assert.deepEqual(after, before);
  });

  await story("the console passes axe with a conversation open", async () => {
    await accessible(agent, "agent console");
    await accessible(widget, "widget in conversation");
    await widget.screenshot({ path: `${ARTIFACTS}/widget.png`, fullPage: true });
    await agent.screenshot({ path: `${ARTIFACTS}/agent-console.png`, fullPage: true });
  });

  await story("the agent releases the conversation and the widget says so", async () => {
    await agent.getByRole("button", { name: "Release to AI" }).click();
    await widget.waitForFunction(() => /handed you back to the AI assistant/.test(document.querySelector(".candor-status").textContent));
    await widget.locator(".candor-log .candor-system").last().waitFor();
    await agent.getByText(/released to the AI/).waitFor();
    assert.equal(await agent.getByRole("button", { name: "Release to AI" }).isVisible(), false);
  });

  await story("the agent closes a conversation", async () => {
    await widget.getByRole("button", { name: "Talk to a person" }).click();
    const waiting = agent.getByRole("button", { name: /waiting/ });
    await waiting.first().waitFor();
    await waiting.first().click();
    await agent.getByRole("button", { name: "Claim" }).click();
    await agent.getByRole("button", { name: "Close conversation" }).click();
    await widget.waitForFunction(() => /closed/.test(document.querySelector(".candor-status").textContent));
    // Writing again starts a new conversation.
    await message.fill("Hello again");
    await message.press("Enter");
    await widget.locator(".candor-log .candor-ai[data-seq]").first().waitFor({ timeout: MODEL_WAIT });
    assert.equal(await widget.locator(".candor-log .candor-customer").count(), 1);
  });

  await story("a verified customer turns personalization off, downloads and deletes their data", async () => {
    const page = await (await browser.newContext(options)).newPage();
    await page.goto(BASE + "/");
    await page.getByLabel("Chat as").selectOption("c_1");
    await page.getByRole("button", { name: "Privacy" }).waitFor();
    await page.getByRole("button", { name: "Privacy" }).click();
    const box = page.getByRole("checkbox", { name: /Personalize/ });
    if (!(await box.isChecked())) {
      await box.check();
      await page.getByText("Personalization is on.").waitFor();
    }
    await box.uncheck();
    await page.getByText("Personalization is off.").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    const data = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert.equal(data.format, "candor.customer_export.v1");
    assert.match(JSON.stringify(data), /Emma Johnson/);
    await page.getByRole("button", { name: "Delete my data" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Delete my data" }).click();
    await page.getByRole("button", { name: "Yes, delete everything" }).click();
    await page.getByText("Your data has been deleted.").first().waitFor();
  });

  await story("the one-line embed on a shop page opens as a verified customer", async () => {
    const { customers } = await (await fetch(BASE + "/v1/demo/customers")).json();
    const c = customers.find((x) => x.id === "c_2");
    // The shop's own page on another origin (allowed in CANDOR_ALLOWED_ORIGINS),
    // carrying the documented embed line.
    const html = `<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1></main>
      <script src="${BASE}/widget.js" data-candor-url="${BASE}" data-customer-id="${c.id}"
        data-customer-expires="${c.expires}" data-customer-signature="${c.signature}"></script></body></html>`;
    const server = createServer((_, res) => { res.writeHead(200, { "content-type": "text/html" }); res.end(html); });
    const shopUrl = new URL(SHOP);
    await new Promise((done) => server.listen(Number(shopUrl.port), shopUrl.hostname, done));
    const shop = await (await browser.newContext(options)).newPage();
    try {
      await shop.goto(SHOP + "/shop.html");
      await shop.getByRole("button", { name: "Chat" }).click();
      await shop.getByRole("button", { name: "Privacy" }).waitFor();
      assert.ok(await shop.locator(".candor-disclosure").isVisible());
      assert.ok(await shop.getByRole("textbox", { name: "Message" }).isVisible());
      await accessible(shop, "embedded widget");
    } finally {
      server.close();
    }
  });

  await story("the widget speaks the visitor's language and fits a 360-px phone", async () => {
    const phone = await (await browser.newContext({ ...options, viewport: { width: 360, height: 740 }, locale: "es-ES" })).newPage();
    await phone.goto(BASE + "/");
    await phone.waitForFunction(() => window.candor);
    // As a Spanish shop embeds it (data-locale="es" or <html lang="es">).
    await phone.evaluate(() => { window.candor.destroy(); window.candor = new window.CandorWidget(document.getElementById("chat"), { locale: "es" }); });
    await phone.getByRole("button", { name: "Hablar con una persona" }).waitFor();
    await phone.waitForFunction(() => /IA/.test(document.querySelector(".candor-disclosure").textContent));
    assert.ok(await phone.getByRole("textbox", { name: "Mensaje" }).isVisible());
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  });
} finally {
  await browser.close();
}
console.log(`${passed} passed, 0 failed`);
