// Calendars as a Graph client sees them ("List calendars", "Create calendar", "calendar resource type").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { ok, type Session, session } from "./graph-client.js";

let graph: FakeGraph;
let anna: Session;

beforeAll(async () => {
  graph = await startFakeGraph();
  anna = await session(graph, "anna@contoso.example");
});
afterAll(async () => {
  await graph.close();
});

describe("calendars", () => {
  it("a new mailbox has its default calendar, also at /me/calendar", async () => {
    const list = ok(await anna.call("GET", "me/calendars"));
    expect(list.value).toHaveLength(1);
    expect(list.value[0]).toMatchObject({
      name: "Calendar",
      isDefaultCalendar: true,
      isRemovable: false,
      owner: { address: "anna@contoso.example" },
    });
    expect(ok(await anna.call("GET", "me/calendar")).id).toBe(list.value[0].id);
  });

  it("creates a calendar by name (201), refuses the same name again (409 ErrorFolderExists) and finds it by name", async () => {
    const created = await anna.call("POST", "me/calendars", { body: { name: "CRM tasks" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "CRM tasks", isDefaultCalendar: false, canEdit: true, changeKey: expect.any(String) });
    const again = await anna.call("POST", "me/calendars", { body: { name: "crm TASKS" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ErrorFolderExists");
    const found = ok(await anna.call("GET", `me/calendars?$filter=${encodeURIComponent("name eq 'CRM tasks'")}`));
    expect(found.value.map((c: any) => c.id)).toEqual([created.body.id]);
    expect(ok(await anna.call("GET", `me/calendars/${created.body.id}`)).name).toBe("CRM tasks");
  });

  it("pages the list with $top and @odata.nextLink", async () => {
    const bob = await session(graph, "bob@contoso.example");
    for (const name of ["A", "B", "C", "D"]) ok(await bob.call("POST", "me/calendars", { body: { name } }));
    const first = ok(await bob.call("GET", "me/calendars?$top=2"));
    expect(first.value.map((c: any) => c.name)).toEqual(["Calendar", "A"]);
    const second = ok(await bob.call("GET", first["@odata.nextLink"]));
    const third = ok(await bob.call("GET", second["@odata.nextLink"]));
    expect([...second.value, ...third.value].map((c: any) => c.name)).toEqual(["B", "C", "D"]);
    expect(third["@odata.nextLink"]).toBeUndefined();
  });

  it("deletes a calendar (204, then 404) but not the default one", async () => {
    const created = ok(await anna.call("POST", "me/calendars", { body: { name: "Scratch" } }));
    expect((await anna.call("DELETE", `me/calendars/${created.id}`)).status).toBe(204);
    const gone = await anna.call("GET", `me/calendars/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("ErrorItemNotFound");
    const defaultId = ok(await anna.call("GET", "me/calendar")).id;
    expect((await anna.call("DELETE", `me/calendars/${defaultId}`)).status).toBe(400);
  });

  it("hides other mailboxes' calendars: 404 by id, 403 by users/{upn}", async () => {
    const carol = await session(graph, "carol@contoso.example");
    const carolsDefault = ok(await carol.call("GET", "me/calendar")).id;
    expect((await anna.call("GET", `me/calendars/${carolsDefault}`)).status).toBe(404);
    expect((await anna.call("GET", "users/carol@contoso.example/calendars")).status).toBe(403);
    expect((await anna.call("GET", "users/anna@contoso.example/calendars")).status).toBe(200);
  });

  it("answers an unknown segment 400 with Graph's error shape and request ids", async () => {
    const answer = await anna.call("GET", "me/planets", { headers: { "client-request-id": "abc-123" } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: "BadRequest", innerError: { "client-request-id": "abc-123" } });
    expect(answer.headers.get("client-request-id")).toBe("abc-123");
    expect(answer.headers.get("request-id")).toBeTruthy();
  });

  it("user actions show up for the client", async () => {
    const calendar = graph.user.createCalendar("anna@contoso.example", "Made in Outlook");
    const names = ok(await anna.call("GET", "me/calendars?$top=50")).value.map((c: any) => c.name);
    expect(names).toContain("Made in Outlook");
    graph.user.deleteCalendar("anna@contoso.example", calendar.id);
    expect((await anna.call("GET", `me/calendars/${calendar.id}`)).status).toBe(404);
  });
});
