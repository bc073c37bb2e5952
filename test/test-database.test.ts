import { describe, expect, it } from "vitest";
import { chooseTestDatabase } from "../testkit/database.js";

describe("which database the tests run on", () => {
  it("is embedded PGlite unless told otherwise", () => {
    expect(chooseTestDatabase({})).toEqual({ kind: "pglite" });
    expect(chooseTestDatabase({ TEST_DATABASE: "pglite", TEST_DATABASE_URL: "postgres://x/y" })).toEqual({ kind: "pglite" });
  });

  it("is the server TEST_DATABASE_URL names", () => {
    expect(chooseTestDatabase({ TEST_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" })).toEqual({
      kind: "server",
      url: "postgres://postgres@127.0.0.1:5432/test",
    });
    expect(() => chooseTestDatabase({ TEST_DATABASE: "server" })).toThrow(/needs TEST_DATABASE_URL/);
  });

  it("is a PostgreSQL container with TEST_DATABASE=container (an image of choice), whatever the URL says", () => {
    expect(chooseTestDatabase({ TEST_DATABASE: "container", TEST_DATABASE_URL: "postgres://x/y" })).toEqual({
      kind: "container",
      image: "postgres:16-alpine",
    });
    expect(chooseTestDatabase({ TEST_DATABASE: "container", TEST_DATABASE_IMAGE: "postgres:17" })).toEqual({
      kind: "container",
      image: "postgres:17",
    });
  });

  it("refuses a choice it does not know, naming the choices", () => {
    expect(() => chooseTestDatabase({ TEST_DATABASE: "mysql" })).toThrow(/pglite, server or container/);
  });
});
