// POST /webhooks/{provider}: one route for every provider with push channels;
// the provider reads its own notices, the engine checks each channel token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushNotice } from "../../adapters/provider.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`webhooks (${backend})`, () => {
  let api: ApiHarness;
  const received: PushNotice[] = [];
  beforeAll(async () => {
    api = await openApi({
      engine: {
        command: async () => null,
        // Only channel "ours" with token "signed" is a live channel here.
        pushNotice: async (notice) => {
          received.push(notice);
          return notice.channelId === "ours" && notice.token === "signed";
        },
      },
    });
  });
  afterAll(() => api?.close());

  const post = (path: string, headers: Record<string, string> = {}, raw = "") => api.call("POST", path, undefined, { token: null, headers, raw });

  it("hands Google's headers to the engine as a notice: 204 for a live channel of ours, 404 otherwise", async () => {
    const ours = await post("/webhooks/google", {
      "x-goog-channel-id": "ours",
      "x-goog-channel-token": "signed",
      "x-goog-resource-id": "res-1",
      "x-goog-resource-state": "exists",
    });
    expect(ours.status).toBe(204);
    expect(received.at(-1)).toEqual({ channelId: "ours", token: "signed", resourceId: "res-1", changed: true });
    expect((await post("/webhooks/google", { "x-goog-channel-id": "ours", "x-goog-channel-token": "forged" })).status).toBe(404);
    expect(
      (await post("/webhooks/google", { "x-goog-channel-id": "ours", "x-goog-channel-token": "signed", "x-goog-resource-state": "sync" })).status,
    ).toBe(204);
    expect(received.at(-1)?.changed).toBe(false);
    expect((await post("/webhooks/google")).status).toBe(400);
  });

  it("answers 404 for an unknown provider and for one without push channels, 413 for a body no notice has", async () => {
    const before = received.length;
    expect((await post("/webhooks/nobody", { "x-goog-channel-id": "ours" })).status).toBe(404);
    expect((await post("/webhooks/caldav", { "x-goog-channel-id": "ours" })).status).toBe(404);
    expect((await post("/webhooks/google", { "x-goog-channel-id": "ours", "content-type": "text/plain" }, "x".repeat(1024 * 1024 + 1))).status).toBe(
      413,
    );
    expect(received.length).toBe(before);
  });
});
