// npm run demo: taskcal without Google. Starts the project's fake Google server
// and the service (embedded PostgreSQL in a temporary folder), seeds a type, an
// operator, a binding and a few tasks, connects the company's (fake) Google
// account through the consent screen as a browser would, then shows events
// flowing both ways.
// `--once` runs the tour and exits (the test suite does that).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startService } from "../service.js";
import { Browser } from "../testkit/browser.js";
import { startFakeGoogle } from "../testkit/fake-google/server.js";
import { freePort } from "../testkit/ports.js";

const once = process.argv.includes("--once");
const say = (line = "") => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(100);
  }
}

const email = "demo@example.com";
const google = await startFakeGoogle();
google.addAccount(email);
const dataDir = mkdtempSync(join(tmpdir(), "taskcal-demo-"));
const port = Number(process.env.PORT ?? (once ? await freePort() : 8080));
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: String(port),
  GOOGLE_API_ROOT_URL: google.rootUrl,
  GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
  GOOGLE_OAUTH_AUTH_URL: google.authUrl,
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
});
const service = await startService(config, createLogger(config.logLevel));

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${service.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`demo: ${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function shutdown(code: number) {
  await service.stop();
  await google.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

try {
  await api("PATCH", "/api/settings", { googleClientId: google.clientId, googleClientSecret: google.clientSecret, pollIntervalSeconds: 30 });
  // What an administrator does in a browser: sign in, open the start link, consent on Google's screen.
  const browser = new Browser();
  const signIn = await browser.request("POST", `${service.url}/session`, { json: { token: service.adminToken } });
  if (signIn.status !== 200) throw new Error(`demo: sign-in answered ${signIn.status}`);
  const consent = await browser.open(`${service.url}/oauth/google/start?target=company`);
  if (consent.status !== 200) throw new Error(`demo: the consent flow ended with ${consent.status}: ${consent.text}`);
  say(`Consent: a browser signed in, opened /oauth/google/start?target=company and consented as ${email}; no token was pasted.`);
  const type = await api("POST", "/api/event-types", {
    name: "Sales offer",
    googleSync: true,
    display: { fields: ["number", "customer"], features: ["Budget"] },
  });
  const operator = await api("POST", "/api/operators", { name: "Anna Nowakowska", googleEnabled: true, useConfigToken: true });
  const [binding] = await api("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna – offers" }]);
  const tomorrow = new Date(Date.now() + 86_400_000);
  tomorrow.setUTCHours(8, 0, 0, 0);
  for (const [i, subject] of ["Oferta handlowa", "Wizyta referencyjna", "Spotkanie z klientem"].entries()) {
    const start = new Date(tomorrow.getTime() + i * 86_400_000);
    await api("POST", "/api/tasks", {
      eventTypeId: type.id,
      operatorId: operator.id,
      subject,
      customer: "ACME",
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
      timeZone: "Europe/Warsaw",
      features: { Budget: `${(i + 1) * 10} 000 PLN` },
    });
  }

  const calendarId = await until("the calendar", () => google.user.calendars(email).find((c) => c.summary === "Anna – offers")?.id);
  const live = () => google.user.events(email, calendarId).filter((e) => e.status !== "cancelled");
  await until("three events in Google", () => (live().length === 3 ? true : undefined));
  say("CRM → Google: three tasks became events in “Anna – offers”:");
  for (const event of live()) say(`  ${event.start?.dateTime}  ${event.summary}`);

  // Google's push channel tells taskcal about changes at once (polling is the backstop).
  await until("the push channel", () => (google.activeChannels().length > 0 ? true : undefined));
  google.user.createEvent(email, calendarId, {
    summary: "Lunch with ACME",
    description: "Added in Google Calendar",
    start: { dateTime: new Date(tomorrow.getTime() + 4 * 3_600_000).toISOString(), timeZone: "Europe/Warsaw" },
    end: { dateTime: new Date(tomorrow.getTime() + 5 * 3_600_000).toISOString(), timeZone: "Europe/Warsaw" },
  });
  const lunch = await until("the Google event as a task", async () =>
    (await api("GET", "/api/tasks")).items.find((t: { subject: string }) => t.subject === "Lunch with ACME"),
  );
  await until("the number written back", () => (live().some((e) => e.summary === `Lunch with ACME - (${lunch.number})`) ? true : undefined));
  say();
  say(`Google → CRM: an event added in Google became task ${lunch.number}, and Google now shows “Lunch with ACME - (${lunch.number})”.`);
  const actor = await api("GET", `/api/actors/${binding.bindingId}`);
  say(`Actor ${actor.id}: ${actor.state}, pushed ${actor.stats.pushed}, pulled ${actor.stats.pulled}.`);
  say();
  if (once) await shutdown(0);
  say(`Console  ${service.url}/   (sign in with the admin token below; everything the README walkthrough does, in a browser)`);
  say(`API      ${service.url}   (Authorization: Bearer ${service.adminToken})`);
  say(`Docs     ${service.url}/docs`);
  say(`Connect  sign in (POST /session, e.g. on /docs), then open ${service.url}/oauth/google/start?target=operator&operatorId=${operator.id}`);
  say(`Actors   curl -H "Authorization: Bearer ${service.adminToken}" ${service.url}/api/actors`);
  say(`Google   a fake at ${google.rootUrl} (account ${email}); data in ${dataDir}, removed on exit.`);
  say("Create tasks through the API and watch them appear; Ctrl-C stops the demo.");
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
} catch (error) {
  console.error((error as Error).message);
  await shutdown(1);
}
