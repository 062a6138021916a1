#!/usr/bin/env node
// End-to-end test of the web front end in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core), against a real `muster serve` on a demo registry of its own.
//
//   node web/e2e/run.mjs --muster build/muster [--out build/web-e2e] [--keep]
//
// The story: an officer signs in (password + TOTP), finds a person by SNILS and issues a
// summons; simulated time passes (`muster advance` on the same store); the citizen signs in
// and sees the summons, its delivery log and the exit ban with how to lift it; the officer
// records the appearance; the citizen sees the ban lifted and the officer's read in the
// access log. Every page is checked with axe-core (no serious or critical violation of WCAG
// 2.2 A/AA) and screenshotted into OUT/screenshots. The last line is "N passed, M failed".
import AxeBuilder from "@axe-core/playwright";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(web, "..");

// ---- Arguments -------------------------------------------------------------------------------

const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
}
const muster = resolve(option("--muster", process.env.MUSTER_BINARY ?? join(repo, "build", "muster")));
const out = resolve(option("--out", join(repo, "build", "web-e2e")));
const chromiumPath = option("--chromium", process.env.CHROMIUM ?? "/usr/bin/chromium");
const keep = args.includes("--keep");
const shots = join(out, "screenshots");
for (const [what, path] of [["muster binary", muster], ["Chromium (apt-get install chromium)", chromiumPath]]) {
  if (!existsSync(path)) {
    console.error(`web e2e: no ${what} at ${path}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });

const started = Date.now();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const results = [];
function check(name, condition, detail = "") {
  results.push({ name, ok: Boolean(condition), detail });
  console.log(`${condition ? "PASS" : "FAIL"} ${name}${!condition && detail ? ` — ${detail}` : ""}`);
  return Boolean(condition);
}

// Set-up failures (no build, no demo, no candidate) end the run with the closing line too.
function setupFailed(error) {
  console.error(`web e2e: set-up failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
process.on("uncaughtException", setupFailed);

// ---- The front end: built when missing or older than its sources ------------------------------

function newestUnder(path) {
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : statSync(full).mtimeMs);
  }
  return newest;
}
const index = join(web, "dist", "index.html");
const sources = Math.max(newestUnder(join(web, "src")), statSync(join(web, "index.html")).mtimeMs,
  existsSync(join(repo, "api", "openapi.json")) ? statSync(join(repo, "api", "openapi.json")).mtimeMs : 0);
if (!existsSync(index) || statSync(index).mtimeMs < sources) {
  log("building the front end (npm run build)");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: web, stdio: "inherit" });
}

// ---- A demo registry of our own ----------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "muster-web-e2e-"));
const store = `sqlite:${join(work, "muster.db")}`;
const cli = (...command) => execFileSync(muster, ["--store", store, ...command], { encoding: "utf8" });
log(`demo registry in ${work}`);
cli("demo", "--persons", "3000", "--campaign", "300", "--credentials", join(work, "credentials.txt"));
const credentials = Object.fromEntries(
  readFileSync(join(work, "credentials.txt"), "utf8").split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split("\t"))
    .map(([, login, secret]) => [login, secret]),
);
const officer = { login: "ryazan.officer", password: credentials["ryazan.officer"] };

// A Ryazan man of call-up age with a portal account and nothing open against him: no open
// summons, no measure, no ground, no pending objection or excuse. The demo is seeded, so this
// is the same person every run.
const candidateSql = `
SELECT p.person_id, i.value FROM persons p
JOIN person_identifiers i ON i.person_id = p.person_id AND i.kind = 'snils'
WHERE p.region = 'RYA' AND p.sex = 'M' AND p.status = 'registered' AND p.has_portal_account = 1
  AND p.birth_date > julianday(date((SELECT value FROM registry_meta WHERE key = 'simulated_now'), '-30 years')) - 2440587.5
  AND p.birth_date <= julianday(date((SELECT value FROM registry_meta WHERE key = 'simulated_now'), '-18 years')) - 2440587.5 - 60
  AND NOT EXISTS (SELECT 1 FROM summonses s WHERE s.person_id = p.person_id AND s.closed_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.person_id = p.person_id AND m.lifted_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM grounds g WHERE g.person_id = p.person_id)
  AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.person_id = p.person_id AND o.decided_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM excuses e JOIN summonses s ON s.summons_id = e.summons_id
                  WHERE s.person_id = p.person_id AND e.decided_at IS NULL)
ORDER BY p.person_id LIMIT 1;`;
const [personIdText, snils] = execFileSync("sqlite3", ["-separator", "\t", join(work, "muster.db"), candidateSql], { encoding: "utf8" })
  .trim().split("\t");
const personId = Number(personIdText);
if (!personId || !snils) throw new Error("no suitable citizen in the demo registry (see candidateSql)");
log(`citizen: person ${personId}, SNILS ${snils}`);

process.off("uncaughtException", setupFailed);

// ---- The server ----------------------------------------------------------------------------------

let server;
let port = 0;
async function startServer() {
  server = spawn(muster, ["--store", store, "serve", "--web", join(web, "dist"), "--demo-logins",
    "--listen", `127.0.0.1:${port}`, "--rate-limit", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stderr.on("data", (chunk) => { output += chunk; });
  port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15000);
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /serving http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    server.on("exit", (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
  log(`server on port ${port}`);
}
async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((done) => server.once("exit", done));
  server.kill("SIGTERM");
  await Promise.race([exited, new Promise((done) => setTimeout(done, 12000))]);
  if (server.exitCode === null) server.kill("SIGKILL");
}
const base = () => `http://127.0.0.1:${port}`;
async function registryNow() {
  const response = await fetch(`${base()}/profile`);
  return (await response.json()).now;
}

// ---- Pages, screenshots and axe ------------------------------------------------------------------

const axeFindings = [];
let shotNumber = 0;
async function settle(page) {
  await page.waitForLoadState("networkidle");
  await page.locator(".muster-loading").first().waitFor({ state: "detached", timeout: 10000 }).catch(() => undefined);
}
async function visit(page, name, { axe = true } = {}) {
  await settle(page);
  // A page that failed to render would pass axe trivially: every page has its heading.
  await page.locator("h1").first().waitFor({ timeout: 10000 }).catch(() => undefined);
  check(`${name} renders`, (await page.locator("main h1").count()) === 1);
  if ((page.viewportSize()?.width ?? 1000) < 600) {
    // Usable on a phone: wide tables scroll inside their own box, the page never sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(`${name} fits the phone's width`, overflow <= 1, `${overflow}px too wide`);
  }
  const file = join(shots, `${String(++shotNumber).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (!axe) return;
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"])
    .analyze();
  const bad = result.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  axeFindings.push({ page: name, url: page.url(), violations: result.violations.map((violation) => ({
    id: violation.id, impact: violation.impact, help: violation.help,
    nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
  })) });
  check(`axe: no serious or critical violation on ${name}`, bad.length === 0,
    bad.map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).slice(0, 3).join(", ")}`).join("; "));
}
async function goto(page, path, name, options) {
  await page.goto(`${base()}${path}`);
  await visit(page, name, options);
}

// ---- The story -------------------------------------------------------------------------------------

let browser;
let failedHard;
try {
  await startServer();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--font-render-hinting=none"],
  });
  const officerContext = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
  const citizenContext = await browser.newContext({ locale: "ru-RU", viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  for (const context of [officerContext, citizenContext]) context.setDefaultTimeout(15000);
  const desk = await officerContext.newPage();
  const phone = await citizenContext.newPage();
  const consoleErrors = [];
  for (const page of [desk, phone]) {
    page.on("pageerror", (error) => {
      consoleErrors.push(String(error));
      log(`page error: ${error.stack ?? error}`);
    });
  }

  // Public pages.
  await goto(desk, "/", "home-en");
  await goto(phone, "/", "home-ru-phone");
  check("the phone page is in Russian", (await phone.getAttribute("html", "lang")) === "ru");
  // The notice check: a form when the server has GET /verify/{code}, "not available yet" when not.
  const verifyAnswer = await fetch(`${base()}/verify/ABCD-EFGH-JKLM`, { headers: { Accept: "application/json" } });
  const verifyExists = verifyAnswer.status !== 404;
  await desk.goto(`${base()}/check`);
  await desk.locator(":is([data-testid=check-form], [data-testid=not-available])").first().waitFor();
  await visit(desk, "check-notice");
  check("the notice check offers its form exactly when GET /verify/{code} has a route",
    (await desk.locator("[data-testid=check-form]").count() === 1) === verifyExists &&
    (await desk.locator("[data-testid=not-available]").count() === 1) === !verifyExists);
  if (verifyExists) {
    await desk.fill("#code", "ABCD-EFGH-JKLM");
    await desk.click("form[data-testid=check-form] button");
    await desk.locator("[data-testid=check-result] :is(.muster-check-result, .govuk-error-summary)").first().waitFor();
    await visit(desk, "check-notice-result");
  }

  // 1. The officer signs in with password and TOTP.
  await goto(desk, "/login", "officer-login");
  await desk.click("[data-testid=officer-login-submit]");
  await desk.locator("[data-testid=error-summary]").waitFor();
  await visit(desk, "officer-login-errors");
  const totp = cli("account", "totp", "--login", officer.login).trim();
  await desk.fill("#login", officer.login);
  await desk.fill("#password", officer.password);
  await desk.fill("#totp", totp);
  await desk.click("[data-testid=officer-login-submit]");
  await desk.waitForURL(`${base()}/officer`);
  await visit(desk, "officer-search");
  check("the officer is signed in", (await desk.textContent("[data-testid=signed-in-as]"))?.includes("Ryazan"));

  // 2. Finds the person by SNILS and issues a summons.
  await desk.fill("#identifier", snils);
  await desk.click("[data-testid=search-identifier-submit]");
  await desk.waitForURL(`${base()}/officer/persons/${personId}`);
  await visit(desk, "officer-person-card");
  const summonsesBefore = await desk.locator("[data-testid=summons]").count();
  await desk.click("[data-testid=issue-summons]");
  await desk.waitForURL(`${base()}/officer/persons/${personId}/summons`);
  await desk.locator("#appearance-date").waitFor();
  await desk.waitForFunction(() => document.querySelector("#appearance-date")?.value !== "");
  await visit(desk, "officer-issue-summons");
  await desk.click("[data-testid=issue-submit]");
  await desk.waitForURL(`${base()}/officer/persons/${personId}`);
  await desk.locator("[data-testid=notice]").waitFor();
  const notice = await desk.textContent("[data-testid=notice]");
  const summonsId = Number(/(\d+)/.exec(notice?.replace(/^\D*/, "") ?? "")?.[1]);
  check("the summons is issued and the card says so", summonsId > 0, notice ?? "");
  await desk.locator(`[data-testid=summons][data-summons-id="${summonsId}"]`).waitFor();
  await visit(desk, "officer-summons-issued");
  check("the card shows one more summons", (await desk.locator("[data-testid=summons]").count()) === summonsesBefore + 1);
  const exitBan = (state) => `[data-kind=exit][data-summons-id="${summonsId}"][data-in-force=${state}]`;
  check("the officer sees the exit ban in force",
    (await desk.locator(`[data-testid=officer-measures] tr${exitBan(true)}`).count()) === 1);

  // 3. Simulated time passes: two days, on the same store, while the server runs.
  const before = await registryNow();
  log(`registry time ${before}; muster advance --days 2`);
  cli("advance", "--days", "2");
  const seenLive = (await registryNow()) !== before;
  check("the running server sees the advance (Registry::RefreshClock)", seenLive);
  if (!seenLive) {
    // An older server keeps its own copy of the simulated clock: restart it on the same port
    // so that the rest of the story still runs.
    log("the running server did not see the advance; restarting it on the same port");
    await stopServer();
    await startServer();
  }
  const after = await registryNow();
  check("the registry clock moved two days", Date.parse(after) - Date.parse(before) === 2 * 86400 * 1000, `${before} → ${after}`);

  // 4. The citizen signs in (demo login by SNILS) on a phone, in Russian.
  await goto(phone, "/citizen/login", "citizen-login");
  await phone.fill("#snils", snils);
  await phone.click("[data-testid=citizen-login-submit]");
  await phone.waitForURL(`${base()}/citizen`);
  await phone.locator("[data-testid=record-table]").waitFor();
  await visit(phone, "citizen-record");
  check("the citizen's record lists the SNILS", (await phone.textContent("[data-testid=record-table]"))?.includes(snils.slice(0, 3)));

  await goto(phone, "/citizen/summonses", "citizen-summonses");
  const summonsBox = phone.locator(`[data-summons-id="${summonsId}"]`);
  check("the citizen sees the new summons", (await summonsBox.count()) === 1);
  check("the summons shows its delivery log", (await summonsBox.locator("[data-testid=delivery-log] tbody tr").count()) >= 1);
  check("the summons shows its legal basis", /fz\d+/.test((await summonsBox.textContent()) ?? ""));

  await goto(phone, "/citizen/measures", "citizen-measures-ban");
  check("the citizen sees the exit ban in force",
    (await phone.locator(`[data-testid=measure]${exitBan(true)}`).count()) === 1);
  const travelRoute = (await phone.request.get(`${base()}/persons/${personId}/travel-check`)).status() !== 404;
  if (travelRoute) {
    check("the travel self-check says the border will stop the citizen",
      (await phone.getAttribute("[data-testid=travel-check]", "data-can-cross")) === "false");
  }
  check("the page says how to have it lifted",
    (await phone.locator("[data-testid=how-to-lift]").textContent())?.includes(String(summonsId)));

  await goto(phone, `/citizen/summonses/${summonsId}/excuse`, "citizen-excuse-form");
  await phone.click("form[data-testid=excuse-form] button[type=submit]");
  await phone.locator("[data-testid=error-summary]").waitFor();
  await visit(phone, "citizen-excuse-form-errors");
  await goto(phone, `/citizen/apply/objection?summons=${summonsId}`, "citizen-objection-form");
  await goto(phone, "/citizen/apply", "citizen-apply");
  await goto(phone, "/citizen/apply/deferment", "citizen-deferment-form");

  // 5. The officer records the appearance.
  await desk.goto(`${base()}/officer/persons/${personId}`);
  const officerSummons = desk.locator(`[data-testid=summons][data-summons-id="${summonsId}"]`);
  await officerSummons.locator("details summary").first().click(); // the delivery-mark form
  await visit(desk, "officer-person-before-appearance");
  await officerSummons.locator("[data-testid=record-appearance]").click();
  await officerSummons.locator("[data-testid=confirm-appearance]").waitFor();
  await visit(desk, "officer-confirm-appearance");
  await officerSummons.locator("[data-testid=confirm-appearance]").click();
  await desk.locator("[data-testid=notice]").filter({ hasText: String(summonsId) }).waitFor();
  await desk.locator(`[data-testid=officer-measures] tr${exitBan(false)}`).waitFor();
  await visit(desk, "officer-appearance-recorded");
  check("the officer sees the exit ban lifted",
    (await desk.locator(`[data-testid=officer-measures] tr${exitBan(true)}`).count()) === 0);

  // 6. The citizen sees the ban lifted and who read the record.
  await goto(phone, "/citizen/measures", "citizen-measures-lifted");
  check("the citizen sees the exit ban lifted",
    (await phone.locator(`[data-testid=measure]${exitBan(false)}`).count()) === 1 &&
    (await phone.locator("[data-testid=measure][data-in-force=true]").count()) === 0);
  if (travelRoute) {
    check("the travel self-check now lets the citizen cross",
      (await phone.getAttribute("[data-testid=travel-check]", "data-can-cross")) === "true");
  }
  check("the citizen's page says no measures are in force",
    (await phone.getAttribute("[data-testid=measures-status]", "class"))?.includes("muster-status-panel--clear"));
  await goto(phone, "/citizen/access-log", "citizen-access-log");
  const officerReads = phone.locator(`[data-testid=access-entry][data-actor="officer:${officer.login}"]`);
  check("the citizen's access log shows the officer's reads", (await officerReads.count()) >= 1);
  await phone.click("[data-testid=language-switch]");
  await phone.waitForFunction(() => document.documentElement.lang === "en");
  await visit(phone, "citizen-access-log-en");
  check("the language switch turns the page to English", (await phone.textContent("h1"))?.includes("Who saw my data"));

  // 7. The officer's other pages.
  await goto(desk, `/officer/persons/${personId}/deferment`, "officer-deferment-form");
  await goto(desk, `/officer/persons/${personId}/fitness`, "officer-fitness-form");
  await goto(desk, "/officer/queues", "officer-queues");
  check("each review queue shows items, 'no items', 'not available yet' or 'not for your account'",
    (await desk.locator("[data-testid^=queue-] :is(table, [data-testid=empty], [data-testid=not-available], [data-testid=forbidden])").count()) === 3);
  // The queues as they will look when their routes land (answers stubbed in the browser only
  // when the server has no such route).
  const stubs = {
    matches: ["/reviews", { reviews: [{ review_id: 7, agency: "tax", sequence: 12, line: 3, status: "open",
      weight: 11.5, candidate_id: personId, record: { family_name: "Кузнецов", given_name: "Илья", birth_date: "2005-12-20" },
      candidate: { family_name: "Кузнецов", given_name: "Илья", birth_date: "2005-12-20" } }] }],
    objections: ["/objections", { objections: [{ objection_id: 9, person_id: personId, summons_id: summonsId,
      reason: "summons was not received", filed_at: after }] }],
    lifts: ["/enforcement/overdue-lifts", { overdue: [{ consumer: "border", measure_id: 1, person_id: personId,
      kind: "exit", lifted_at: after, deadline_at: after, state: "escalated", late: true, confirmed_at: null,
      escalated_at: after }] }],
  };
  const stubbed = [];
  for (const [queue, [path, body]] of Object.entries(stubs)) {
    const probe = await desk.request.get(`${base()}${path}?limit=1`);
    if (probe.status() !== 404 && probe.status() !== 405) continue;
    stubbed.push(queue);
    await desk.route((url) => url.pathname === path, (route) =>
      route.request().method() === "GET" ? route.fulfill({ json: body }) : route.continue());
  }
  if (stubbed.length > 0) {
    await goto(desk, "/officer/queues", "officer-queues-stubbed");
    for (const queue of stubbed) {
      check(`the ${queue} queue renders its items as a table`,
        (await desk.locator(`[data-testid=queue-${queue}] table`).count()) === 1);
    }
    await desk.unrouteAll();
  }

  await goto(desk, "/officer/campaign", "officer-campaign");
  await desk.fill("#batch-limit", "5");
  await desk.click("[data-testid=batch-review]");
  await desk.locator("[data-testid=batch-confirm]").waitFor();
  await desk.click("[data-testid=batch-issue]");
  await desk.locator("[data-testid=batch-result]").waitFor();
  await visit(desk, "officer-campaign-issued");
  check("a batch is issued in the officer's region", /\d/.test((await desk.textContent("[data-testid=batch-result]")) ?? ""));
  await goto(desk, "/officer/dashboard", "officer-dashboard");
  const statsAnswer = await desk.request.get(`${base()}/stats`);
  if (statsAnswer.ok()) {
    check("the dashboard draws its charts from GET /stats", (await desk.locator("[data-testid^=chart-] svg").count()) >= 4);
  } else {
    check("the dashboard says the statistics are not available yet", (await desk.locator("[data-testid=not-available]").count()) === 1);
  }
  await goto(desk, "/officer/no-such-page", "not-found");

  // Phone-sized officer console too: usable on a phone.
  const officerPhone = await browser.newContext({ locale: "ru-RU", viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await officerContext.storageState() });
  const officerOnPhone = await officerPhone.newPage();
  await goto(officerOnPhone, `/officer/persons/${personId}`, "officer-person-card-phone-ru");

  // Sign out ends the session.
  await phone.click(".muster-header__signout");
  await phone.waitForFunction(() => location.pathname === "/" && !document.querySelector("[data-testid=signed-in-as]"));
  await visit(phone, "signed-out");
  const me = await phone.request.get(`${base()}/auth/me`);
  check("signing out ends the citizen's session", me.status() === 401);

  check("no uncaught error in the pages", consoleErrors.length === 0, consoleErrors.join("; "));
} catch (error) {
  failedHard = error;
  check("the story ran to the end", false, error instanceof Error ? error.stack ?? error.message : String(error));
} finally {
  writeFileSync(join(out, "axe.json"), JSON.stringify(axeFindings, null, 2));
  await browser?.close().catch(() => undefined);
  await stopServer();
  if (!keep) rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((result) => !result.ok).length;
log(`screenshots in ${shots}; axe findings in ${join(out, "axe.json")}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed || failedHard ? 1 : 0);
