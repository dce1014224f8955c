// Drives the gateway's console page (/ui/) in headless Chromium, as a user would, and prints what
// it saw as one JSON object for ConsolePageTests to check.
//   SIMPLESTACK_UI_KEY=KEY node console-page.mjs GATEWAY_URL HYPERVISOR HOST GUEST_NAME serial|vnc SCREENSHOT
// (the caller key, typed into the page, from the environment rather than the command line)
// serial: opens the serial console, types a command, reads the answer from xterm's buffer, takes
//         a screenshot, then force-stops the guest with the page's button and waits for the list
//         to say STOPPED (from the events stream) and the console to close.
// vnc:    opens the VNC console and waits for noVNC's connect event (the RFB handshake done).
import puppeteer from "puppeteer-core";

const [url, hypervisor, host, guestName, mode, screenshot] = process.argv.slice(2);
const report = { listed: [], errors: [], csp: [] };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
  defaultViewport: { width: 1280, height: 900 },
});

try {
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  page.on("pageerror", (error) => report.errors.push(String(error)));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) report.csp.push(message.text());
  });

  await page.goto(`${url}/ui/`, { waitUntil: "load" });
  // The page enables Connect once its script listens (its modules load asynchronously).
  await page.waitForSelector("#target button[type=submit]:not([disabled])");
  await page.$eval("input[name=hypervisor]", (input, value) => (input.value = value), hypervisor);
  await page.$eval("input[name=host]", (input, value) => (input.value = value), host);
  await page.type("input[name=key]", process.env.SIMPLESTACK_UI_KEY ?? "");
  await page.click("#target button[type=submit]");

  const row = `#guests tr[data-name="${guestName}"]`;
  const stateOf = () => page.$eval(`${row} td.state`, (cell) => cell.textContent);
  await page.waitForSelector(row);
  report.listed = await page.$$eval("#guests tbody tr", (rows) => rows.map((r) => r.dataset.name));
  report.stateBefore = await stateOf();
  const consoleState = () => page.evaluate(() => window.simplestackUi.consoleState);

  if (mode === "serial") {
    await page.click(`${row} button[data-action=serial]`);
    await page.waitForFunction(() => window.simplestackUi.consoleState === "connected");
    const lines = () =>
      page.evaluate(() => {
        const buffer = window.simplestackUi.terminal.buffer.active;
        const text = [];
        for (let i = 0; i < buffer.length; i++) text.push(buffer.getLine(i).translateToString(true));
        return text;
      });
    // Typed into xterm (it has the focus), as keys: the answer's line never equals the typed one.
    await page.keyboard.type("\n");
    await page.keyboard.type("echo ui-$((6*7))\n");
    const deadline = Date.now() + 30_000;
    while (!(await lines()).some((line) => line.trim() === "ui-42") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seen = await lines();
    report.answered = seen.some((line) => line.trim() === "ui-42");
    report.terminal = seen.filter((line) => line.trim() !== "").slice(-12);
    await page.screenshot({ path: screenshot, fullPage: true });

    await page.click(`${row} button[data-action=force-stop]`);
    await page.waitForFunction((selector) => document.querySelector(`${selector} td.state`)?.textContent === "STOPPED", { timeout: 60_000 }, row);
    report.stateAfter = await stateOf();
    await page.waitForFunction(() => window.simplestackUi.consoleState.startsWith("closed"), { timeout: 30_000 }).catch(() => {});
    report.consoleAfterStop = await consoleState();
  } else {
    await page.click(`${row} button[data-action=vnc]`);
    await page.waitForFunction(() => window.simplestackUi.consoleState === "connected").catch(() => {});
    report.vncState = await consoleState();
    report.canvas = await page.$eval("#screen canvas", (canvas) => ({ width: canvas.width, height: canvas.height })).catch(() => null);
    await page.screenshot({ path: screenshot, fullPage: true });
  }

  report.events = await page.evaluate(() => window.simplestackUi.events);
} catch (error) {
  report.failure = String(error?.stack ?? error);
  // What the page showed when it failed, for the test's message.
  const [page] = (await browser.pages()).slice(-1);
  await page?.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}

console.log(JSON.stringify(report));
