// The admin console in a real Chromium (Debian's, headless, via playwright-core)
// against the service and the fake Google: what an administrator does in the
// README's walkthrough, done with clicks; faults seen with their advice; the
// sign-in and CSRF guards; axe-core's serious and critical checks at desktop
// and phone sizes.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chromium, launchChromium, seriousViolations } from "../../testkit/chromium.js";
import { type ConsoleWorld, startConsoleWorld } from "../../testkit/console-world.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";

describe("admin console in Chromium", () => {
  let world: ConsoleWorld;
  let database: TestDatabase | undefined;
  let browser: Chromium;
  let page: Page;
  let operatorId: string;
  let typeId: string;
  let actorId: string;

  beforeAll(async () => {
    if (process.env.TEST_DATABASE_URL) database = await openTestDatabase();
    world = await startConsoleWorld({ databaseUrl: database?.url });
    browser = await launchChromium();
    page = browser.page;
    page.setDefaultTimeout(30_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
    await database?.close();
  });

  /** Each step builds on the one before: without it, fail at once rather than wait. */
  const needs = (...values: unknown[]) => {
    if (values.some((value) => value === undefined)) throw new Error("an earlier step failed");
  };

  const signIn = async (token: string) => {
    await page.goto(`${world.base}/sign-in`);
    await page.getByLabel("Admin token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  it("sends a visitor to sign in, refuses a wrong token with a message, and signs the admin token in", async () => {
    await page.goto(`${world.base}/`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await seriousViolations(page)).toEqual([]);
    await signIn("not-the-admin-token-at-all");
    await expect.poll(() => page.locator("form .form-status").textContent()).toContain("Wrong token: sign-in refused.");
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    await signIn(world.adminToken);
    await page.waitForURL(`${world.base}/`);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Overview");
  });

  it("configures the company's Google client, a type with displayed fields, an operator connected by consent, and a binding", async () => {
    await page.goto(`${world.base}/configuration`);
    const settings = page.getByRole("form", { name: "Settings" });
    await settings.getByLabel("Google client ID").fill(world.google.clientId);
    await settings.getByLabel(/Google client secret/).fill(world.google.clientSecret);
    // The API's refusal lands beside the field it names.
    await settings.getByLabel("Months back").fill("-1");
    await settings.getByRole("button", { name: "Save" }).click();
    const monthsError = settings.locator('[data-field="monthsBack"] .field-error');
    await monthsError.waitFor();
    expect(await monthsError.textContent()).toMatch(/>=\s*0|too small|0/i);
    await settings.getByLabel("Months back").fill("3");
    await settings.getByRole("button", { name: "Save" }).click();
    await page.waitForLoadState("load");
    await expect
      .poll(() => page.getByRole("form", { name: "Settings" }).getByText("Google client secret (write-only; leave empty to keep) (set)").count())
      .toBe(1);
    expect(await page.getByLabel(/Google client secret/).inputValue()).toBe("");

    const newType = page.getByRole("form", { name: "New task type" });
    await newType.getByLabel("Name", { exact: true }).fill("Sales offer");
    await newType.getByLabel("customer").check();
    await newType.getByLabel("location").check();
    await newType.getByLabel(/Features/).fill("Budget");
    await newType.getByRole("button", { name: "Create" }).click();
    await page.getByText(/^Sales offer — Synchronized with the calendar; Displayed fields: number, customer, location/).waitFor();
    const types = await world.api("GET", "/api/event-types");
    expect(types.body).toEqual([
      expect.objectContaining({
        name: "Sales offer",
        googleSync: true,
        display: { fields: ["number", "customer", "location"], features: ["Budget"] },
      }),
    ]);
    typeId = types.body[0].id;

    const newOperator = page.getByRole("form", { name: "New operator" });
    await newOperator.getByLabel("Name", { exact: true }).fill("Anna Nowak");
    await newOperator.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/operators\/[0-9a-f-]{36}$/);
    operatorId = page.url().split("/").pop()!;

    // The company account is connected as an administrator does: a click, Google's consent screen, back.
    await page.getByRole("link", { name: "Connect Google account" }).click();
    await page.waitForURL(/\/oauth\/google\/callback/);
    await page.goto(`${world.base}/operators/${operatorId}`);
    await expect.poll(() => page.locator("[data-credential-status]").getAttribute("data-credential-status")).toBe("ok");

    await page.getByRole("button", { name: "Add a row" }).click();
    await page.getByLabel("Task type", { exact: true }).selectOption({ label: "Sales offer" });
    await page.getByLabel("Calendar", { exact: true }).fill("Anna - offers");
    await page.getByRole("button", { name: "Save bindings" }).click();
    await page.waitForLoadState("load");
    await expect
      .poll(async () => (await world.api("GET", `/api/operators/${operatorId}/calendars`)).body)
      .toEqual([{ bindingId: expect.any(String), eventTypeId: typeId, calendarName: "Anna - offers" }]);
    actorId = (await world.api("GET", `/api/operators/${operatorId}/calendars`)).body[0].bindingId;

    // R5 as the API enforces it, shown beside the row's field: an unsynchronized type cannot be bound.
    await world.api("POST", "/api/event-types", { name: "Internal", googleSync: false });
    // The account's calendars are offered by name once the actor has made the binding's calendar.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('#calendar-names option[value="Anna - offers"]').count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    await page.getByRole("button", { name: "Add a row" }).click();
    await page.locator("#binding-1-type").selectOption({ label: "Internal (Synchronized with the calendar: no)" });
    await page.locator("#binding-1-calendar").fill("Anna - internal");
    await page.getByRole("button", { name: "Save bindings" }).click();
    const refusal = page.locator('[data-field="[1].eventTypeId"] .field-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/synchroni/i);
    expect((await world.api("GET", `/api/operators/${operatorId}/calendars`)).body).toHaveLength(1);
  }, 90_000);

  it("shows the actor reach incremental on the overview without a reload", async () => {
    needs(actorId, operatorId, typeId);
    await page.goto(`${world.base}/`);
    const row = page.locator(`tr[data-actor="${actorId}"]`);
    await page.locator(`tr[data-actor="${actorId}"][data-state="incremental"]`).waitFor({ timeout: 60_000 });
    expect(await row.locator("td").first().textContent()).toContain("Anna Nowak");
    expect(await page.locator('[data-count="incremental"]').textContent()).toBe("1");
  }, 90_000);

  it("lists a task created in the CRM with the event it is linked to", async () => {
    needs(actorId, operatorId, typeId);
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCHours(8, 0, 0, 0);
    const created = [];
    for (let i = 1; i <= 30; i++) {
      const at = new Date(start.getTime() + i * 3_600_000);
      const task = await world.api("POST", "/api/tasks", {
        eventTypeId: typeId,
        operatorId,
        subject: `Offer ${i}`,
        customer: i === 7 ? "ACME" : "Other",
        start: at.toISOString(),
        end: new Date(at.getTime() + 1_800_000).toISOString(),
      });
      expect(task.status).toBe(201);
      created.push(task.body);
    }
    await page.goto(`${world.base}/tasks?q=ACME`);
    const row = page.locator(`tr[data-task="${created[6].id}"]`);
    await row.locator('[data-linked="yes"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("tr[data-task]").count()).toBe(1);
    expect(await row.textContent()).toContain("Offer 7");
    expect(await row.locator('[data-linked="yes"]').textContent()).toContain("Anna - offers");

    // Everything is in step now: a first import would find every event linked already.
    await page.goto(`${world.base}/operators/${operatorId}`);
    await page.getByRole("button", { name: "Preview the first import" }).click();
    const preview = page.locator("#preview-result pre");
    await preview.waitFor();
    expect(await preview.textContent()).toBe(
      "Anna - offers\nTasks that would become events (0)\nEvents that would become tasks (0)\nMatches that would be linked (0)",
    );
  }, 90_000);

  it("shows a fault with its advice, and Restart brings the actor back", async () => {
    needs(actorId, operatorId, typeId);
    world.google.injectFaults({ status: 403, reason: "forbidden", path: /\/events$/, method: "GET", times: 1000 });
    await page.goto(`${world.base}/actors/${actorId}`);
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.locator('#actor-live [data-state="error"]').waitFor({ timeout: 60_000 });
    expect(await page.locator("#actor-live .last-error").textContent()).toMatch(/\S/);
    expect(await page.locator("#actor-live .advice").textContent()).toContain(
      "fix the cause; a configuration change restarts the actor by itself, or press Restart",
    );
    await page.goto(`${world.base}/`);
    expect(await page.locator(`tr[data-actor="${actorId}"][data-state="error"]`).count()).toBe(1);
    // Errors come first.
    expect(await page.locator("section h2").first().textContent()).toContain("error");

    world.google.clearFaults();
    await page.goto(`${world.base}/actors/${actorId}`);
    await page.getByRole("button", { name: "Restart" }).click();
    await page.locator('#actor-live [data-state="incremental"]').waitFor({ timeout: 60_000 });
    // The way there, as recent state changes: into error with its reason, then back.
    await page.reload();
    const changes = await page.locator("#state-changes li").allTextContents();
    expect(changes[0]).toMatch(/→ incremental/);
    expect(changes.some((change) => /→ error \(permission: /.test(change))).toBe(true);
  }, 120_000);

  it("pages through the journal and filters it", async () => {
    needs(actorId, operatorId, typeId);
    await page.goto(`${world.base}/actors/${actorId}`);
    const rows = page.locator("#journal-entries tbody tr");
    expect(await rows.count()).toBe(25);
    const firstPage = await rows.allTextContents();
    await page.getByRole("link", { name: "Older entries" }).click();
    await page.waitForURL(/offset=25/);
    const secondPage = await page.locator("#journal-entries tbody tr").allTextContents();
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage).not.toEqual(firstPage.slice(0, secondPage.length));

    await page.getByLabel("Direction").selectOption("calendar-to-crm");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/direction=calendar-to-crm/);
    const directions = await page.locator("#journal-entries tbody tr td:nth-child(2)").allTextContents();
    expect(directions.every((direction) => direction === "calendar-to-crm")).toBe(true);
  });

  it("refuses a control sent without the CSRF token (403), and says so on the page", async () => {
    needs(actorId, operatorId, typeId);
    await page.goto(`${world.base}/actors/${actorId}`);
    const sync = page.locator(`form[data-api="POST /api/actors/${actorId}/sync"]`);
    await sync.locator('input[name="csrf"]').evaluate((input) => input.remove());
    await sync.getByRole("button").click();
    await expect.poll(() => sync.locator(".form-status").textContent()).toContain("403");
  });

  it("has no serious or critical accessibility violations at 1280×800 and 390×844", async () => {
    needs(actorId, operatorId, typeId);
    const pages = ["/", `/actors/${actorId}`, "/configuration", `/operators/${operatorId}`, "/tasks"];
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      for (const path of pages) {
        await page.goto(`${world.base}${path}`);
        expect({ path, viewport, violations: await seriousViolations(page) }).toEqual({ path, viewport, violations: [] });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 120_000);

  it("speaks Polish to a browser that asks for it, and English after the switch", async () => {
    needs(actorId, operatorId, typeId);
    // Accept-Language comes from the browser's locale: a Polish one, signed in with the same session.
    const polish = await launchChromium({ locale: "pl-PL" });
    try {
      await polish.context.addCookies(await browser.context.cookies(world.base));
      await polish.page.goto(`${world.base}/`);
      expect(await polish.page.locator("h1").textContent()).toBe("Przegląd");
      expect(await polish.page.locator("html").getAttribute("lang")).toBe("pl");
      await polish.page.getByRole("link", { name: "English" }).click();
      await polish.page.waitForURL(`${world.base}/`);
      expect(await polish.page.locator("h1").textContent()).toBe("Overview");
    } finally {
      await polish.close();
    }
  });

  it("signs the read-only token in to a console without controls", async () => {
    needs(actorId, operatorId, typeId);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in$/);
    await signIn(world.readonlyToken);
    await page.waitForURL(`${world.base}/`);
    await page.goto(`${world.base}/actors/${actorId}`);
    expect(await page.getByText("Read-only session: controls are hidden.").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Restart" }).count()).toBe(0);
    await page.goto(`${world.base}/configuration`);
    expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await page.getByRole("form", { name: "New task type" }).count()).toBe(0);
  });
});
