// Drives Debian's chromium with puppeteer-core against health-monitor's status page.
// Usage: node status_page.cjs <puppeteer dir> <chromium> <page url with #token=...> <artifact dir>
// Prints HEALTHY-SEEN once the known state rendered (the driver then stops the heartbeats) and
// exits 0 when the page turned the component DOWN live, without a reload.
"use strict";
const path = require("path");
const [puppeteerDir, chromium, url, artifacts] = process.argv.slice(2);
const puppeteer = require(path.join(puppeteerDir, "node_modules", "puppeteer-core"));

async function main() {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1100});
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(url, {waitUntil: "domcontentloaded"});
    // The known state: the component up, the group with its partitions, the cluster, no alerts.
    await page.waitForSelector('tr[data-component="fake-service"][data-status="HEALTHY"]', {timeout: 30000});
    await page.waitForSelector('[data-group="system-health-consumer-group"] tr[data-partition="system-health/0"]',
                               {timeout: 30000});
    await page.waitForFunction(() => document.querySelectorAll("#brokers tr").length === 3, {timeout: 30000});
    await page.waitForSelector('#cluster-status[data-status="OK"]', {timeout: 30000});
    const state = await page.evaluate(() => ({
      connection: document.getElementById("connection").textContent,
      alerts: document.getElementById("alerts").textContent,
      dlq: document.querySelectorAll("#dlq tr").length,
      sparklines: document.querySelectorAll('[data-group="system-health-consumer-group"] svg.spark').length,
      version: document.querySelector('tr[data-component="fake-service"]').textContent,
    }));
    if (state.connection !== "live") throw new Error("WebSocket not live: " + state.connection);
    if (!state.alerts.includes("No alerts firing")) throw new Error("unexpected alerts: " + state.alerts);
    if (state.dlq !== 6) throw new Error("expected 6 dead-letter topics, got " + state.dlq);
    if (state.sparklines !== 3) throw new Error("expected 3 sparklines, got " + state.sparklines);
    await page.screenshot({path: path.join(artifacts, "status-page-healthy.png"), fullPage: true});
    // Mark the document: a reload would lose the mark, so seeing it later proves a live update.
    await page.evaluate(() => { window.__noReload = true; });
    console.log("HEALTHY-SEEN");

    await page.waitForSelector('tr[data-component="fake-service"][data-status="DOWN"]', {timeout: 30000});
    await page.waitForSelector('tr[data-alert="HealthComponentDown"][data-resource="fake-service"]', {timeout: 30000});
    await page.waitForSelector('#overall-status[data-status="UNHEALTHY"]', {timeout: 30000});
    if (!(await page.evaluate(() => window.__noReload === true))) throw new Error("the page reloaded");
    await page.screenshot({path: path.join(artifacts, "status-page-down.png"), fullPage: true});
    if (errors.length) throw new Error("page errors: " + errors.join("; "));
    console.log("DOWN-SEEN");
  } catch (error) {
    await page.screenshot({path: path.join(artifacts, "status-page-failure.png"), fullPage: true}).catch(() => {});
    console.error(String(error && error.stack || error));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
