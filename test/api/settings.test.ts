import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`settings API (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  it("R1: GET shows the defaults, secrets only as set/unset", async () => {
    const { status, body } = await api.call("GET", "/api/settings");
    expect(status).toBe(200);
    expect(body).toEqual({
      googleClientId: "",
      googleClientSecretSet: false,
      defaultRefreshTokenSet: false,
      monthsBack: 3,
      timeZone: "Europe/Warsaw",
      conflictPolicy: "latest-wins",
      pollIntervalSeconds: 60,
      googleRequestsPerMinute: 500,
    });
  });

  it("R1: PATCH changes any field and answers as GET", async () => {
    const { status, body } = await api.call("PATCH", "/api/settings", {
      googleClientId: "client.apps.googleusercontent.com",
      googleClientSecret: "client-secret",
      defaultRefreshToken: "1//default-token",
      monthsBack: 12,
      timeZone: "America/New_York",
      conflictPolicy: "crm-wins",
      pollIntervalSeconds: 30,
      googleRequestsPerMinute: 10_000,
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      googleClientId: "client.apps.googleusercontent.com",
      googleClientSecretSet: true,
      defaultRefreshTokenSet: true,
      monthsBack: 12,
      timeZone: "America/New_York",
      conflictPolicy: "crm-wins",
      pollIntervalSeconds: 30,
      googleRequestsPerMinute: 10_000,
    });
    expect((await api.call("GET", "/api/settings")).body).toEqual(body);
  });

  it("R2: null clears a secret, absence keeps it", async () => {
    const { body } = await api.call("PATCH", "/api/settings", { googleClientSecret: null, monthsBack: 0 });
    expect(body.googleClientSecretSet).toBe(false);
    expect(body.defaultRefreshTokenSet).toBe(true);
    expect(body.monthsBack).toBe(0);
  });

  it("an empty PATCH changes nothing", async () => {
    const before = (await api.call("GET", "/api/settings")).body;
    const { status, body } = await api.call("PATCH", "/api/settings", {});
    expect(status).toBe(200);
    expect(body).toEqual(before);
  });

  it.each([
    [{ monthsBack: -1 }, "monthsBack"],
    [{ monthsBack: 1.5 }, "monthsBack"],
    [{ monthsBack: 121 }, "monthsBack"],
    [{ conflictPolicy: "newest" }, "conflictPolicy"],
    [{ pollIntervalSeconds: 0 }, "pollIntervalSeconds"],
    [{ googleRequestsPerMinute: 0 }, "googleRequestsPerMinute"],
    [{ googleRequestsPerMinute: 10_001 }, "googleRequestsPerMinute"],
    [{ timeZone: "CEST" }, "timeZone"],
    [{ timeZone: "+01:00" }, "timeZone"],
    [{ googleClientSecret: "" }, "googleClientSecret"],
  ])("R1 limits: %j is refused naming the field", async (patch, field) => {
    const before = (await api.call("GET", "/api/settings")).body;
    const { status, body } = await api.call("PATCH", "/api/settings", patch);
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(body.error.message).toContain(field);
    expect((await api.call("GET", "/api/settings")).body).toEqual(before);
  });
});
