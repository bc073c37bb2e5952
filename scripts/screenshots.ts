// npm run screenshots: the console's pages as PNGs in docs/screenshots/ (the
// README shows them). Runs the service against the fake Google, sets up what
// the README's walkthrough does, lets one actor fail, and photographs each page
// in Debian's Chromium at 1280×800 (and the overview at 390×844).
import { mkdirSync } from "node:fs";
import { launchChromium } from "../testkit/chromium.js";
import { startConsoleWorld } from "../testkit/console-world.js";

const out = "docs/screenshots";
mkdirSync(out, { recursive: true });
const world = await startConsoleWorld();
const browser = await launchChromium();
const { api, google } = world;

async function until(what: string, probe: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`screenshots: timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

try {
  await api("PATCH", "/api/settings", {
    googleClientId: google.clientId,
    googleClientSecret: google.clientSecret,
    defaultRefreshToken: world.refreshToken,
  });
  const offer = (
    await api("POST", "/api/event-types", {
      name: "Sales offer",
      googleSync: true,
      display: { fields: ["number", "customer", "location"], features: ["Budget"] },
    })
  ).body;
  const visit = (await api("POST", "/api/event-types", { name: "Visit", googleSync: true, display: { fields: ["number"], features: [] } })).body;
  const anna = (await api("POST", "/api/operators", { name: "Anna Nowak", googleEnabled: true, useConfigToken: true })).body;
  const piotr = (await api("POST", "/api/operators", { name: "Piotr Wiśniewski", googleEnabled: true, useConfigToken: true })).body;
  const [annaOffers] = (await api("PUT", `/api/operators/${anna.id}/calendars`, [{ eventTypeId: offer.id, calendarName: "Anna - offers" }])).body;
  await api("PUT", `/api/operators/${piotr.id}/calendars`, [{ eventTypeId: visit.id, calendarName: "Piotr - visits" }]);
  const tomorrow = new Date(Date.now() + 86_400_000);
  tomorrow.setUTCHours(8, 0, 0, 0);
  for (const [i, subject] of ["Oferta handlowa", "Wizyta referencyjna", "Spotkanie z klientem", "Prezentacja produktu"].entries()) {
    const start = new Date(tomorrow.getTime() + i * 86_400_000);
    await api("POST", "/api/tasks", {
      eventTypeId: offer.id,
      operatorId: anna.id,
      subject,
      customer: "ACME",
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
      features: { Budget: `${(i + 1) * 10} 000 PLN` },
    });
  }
  await until("both actors in step", async () => {
    const actors = (await api("GET", "/api/actors")).body as { state: string }[];
    return actors.length === 2 && actors.every((actor) => actor.state === "incremental");
  });
  // Piotr's calendar refuses: the overview shows an error first, with what to do.
  google.injectFaults({ status: 403, reason: "forbidden", path: /Piotr|%20visits|\/events$/, method: "GET", times: 1000 });
  const piotrBinding = (await api("GET", `/api/operators/${piotr.id}/calendars`)).body[0].bindingId;
  await api("POST", `/api/actors/${piotrBinding}/sync`);
  await until("Piotr's actor in error", async () => (await api("GET", `/api/actors/${piotrBinding}`)).body.state === "error");
  google.clearFaults();
  await api("POST", `/api/actors/${annaOffers.bindingId}/sync`);

  const { page } = browser;
  const shoot = async (name: string, path: string) => {
    await page.goto(`${world.base}${path}`);
    await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
    console.log(`${out}/${name}.png`);
  };
  await shoot("sign-in", "/sign-in");
  await page.getByLabel("Admin token").fill(world.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${world.base}/`);
  await shoot("overview", "/");
  await shoot("actor", `/actors/${annaOffers.bindingId}`);
  await shoot("configuration", "/configuration");
  await shoot("operator", `/operators/${anna.id}`);
  await shoot("tasks", `/tasks?operatorId=${anna.id}`);
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot("overview-phone", "/");
} finally {
  await browser.close();
  await world.stop();
}
