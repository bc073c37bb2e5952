import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerSettingsOf } from "../../db/queries/providers.js";
import { operators } from "../../db/schema.js";
import { SecretUnreadable } from "../../db/secret-box.js";
import { createLogger } from "../../logger.js";
import { backend } from "../../testkit/database.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

describe(`R2 secrets (${backend})`, () => {
  let api: ApiHarness;
  const answers: string[] = [];
  const plain = {
    clientSecret: "GOCSPX-client-secret-plaintext",
    defaultToken: "1//default-refresh-token-plaintext",
    operatorToken: "1//operator-refresh-token-plaintext",
    caldavPassword: "caldav-password-plaintext",
  };
  let operatorId: string;
  let davId: string;

  beforeAll(async () => {
    api = await openApi();
    const record = async (...args: Parameters<ApiHarness["call"]>) => {
      const answer = await api.call(...args);
      answers.push(answer.text);
      return answer;
    };
    await record("PATCH", "/api/settings", { googleClientSecret: plain.clientSecret, defaultRefreshToken: plain.defaultToken });
    operatorId = (
      await record("POST", "/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: false, refreshToken: plain.operatorToken })
    ).body.id;
    davId = (
      await record("POST", "/api/operators", {
        name: "Dav",
        googleEnabled: true,
        useConfigToken: false,
        provider: "caldav",
        caldav: { url: "https://dav.example.com/", username: "dav", password: plain.caldavPassword },
      })
    ).body.id;
    await record("PATCH", `/api/operators/${operatorId}`, { refreshToken: plain.operatorToken });
    // A refused request carrying a secret must not echo it either.
    await record("PATCH", "/api/settings", { googleClientSecret: plain.clientSecret, monthsBack: -1 });
    await record("GET", "/api/settings");
    await record("GET", "/api/operators");
    await record("GET", `/api/operators/${operatorId}`);
    await record("GET", "/openapi.json");
  });
  afterAll(() => api?.close());

  it("R2: no answer of the API contains a secret", () => {
    expect(answers).toHaveLength(9);
    for (const text of answers) for (const secret of Object.values(plain)) expect(text).not.toContain(secret);
  });

  it("R2: reads say only whether a secret is set", async () => {
    expect((await api.call("GET", "/api/settings")).body).toMatchObject({ googleClientSecretSet: true, defaultRefreshTokenSet: true });
    expect((await api.call("GET", `/api/operators/${operatorId}`)).body.refreshTokenSet).toBe(true);
    expect((await api.call("GET", `/api/operators/${davId}`)).body.caldav.passwordSet).toBe(true);
  });

  it("R2: secrets are stored sealed with AES-256-GCM, bound to their place, and open back to the plaintext", async () => {
    const db = api.database.db;
    const google = await providerSettingsOf(db, "google");
    const [op] = await db.select().from(operators).where(eq(operators.id, operatorId));
    const [dav] = await db.select().from(operators).where(eq(operators.id, davId));
    const stored: [string | undefined, string, string][] = [
      [google.secrets.clientSecret, "provider:google:clientSecret", plain.clientSecret],
      [google.secrets.defaultRefreshToken, "provider:google:defaultRefreshToken", plain.defaultToken],
      [op.accountSecrets.refreshToken, `operator:${operatorId}:refreshToken`, plain.operatorToken],
      [dav.accountSecrets.password, `operator:${davId}:password`, plain.caldavPassword],
    ];
    for (const [sealed, context, secret] of stored) {
      expect(sealed).toMatch(/^v2\./);
      expect(sealed).not.toContain(secret);
      expect(api.secrets.open(sealed!, context)).toBe(secret);
    }
    expect(JSON.stringify([google.values, op.account, dav.account])).not.toMatch(new RegExp(Object.values(plain).join("|")));
  });

  it("R2: a sealed secret copied to another operator or field does not open there", async () => {
    const [op] = await api.database.db.select().from(operators).where(eq(operators.id, operatorId));
    const sealed = op.accountSecrets.refreshToken;
    expect(() => api.secrets.open(sealed, `operator:${davId}:refreshToken`)).toThrow(SecretUnreadable);
    expect(() => api.secrets.open(sealed, `operator:${operatorId}:password`)).toThrow(SecretUnreadable);
  });

  it("R2: the API's log holds neither secrets nor the admin token", () => {
    const log = api.logLines.join("");
    expect(log).toContain("/api/settings");
    for (const secret of [...Object.values(plain), ADMIN_TOKEN]) expect(log).not.toContain(secret);
  });

  it("R2: the logger censors secret-named fields wherever they are logged", () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
    logger.info({
      refreshToken: "a-secret",
      req: { headers: { authorization: "Bearer b-secret" } },
      settings: { googleClientSecret: "c-secret", defaultRefreshToken: "d-secret" },
      caldav: { password: "e-secret" },
    });
    const [line] = lines;
    expect(line).toContain("[redacted]");
    for (const secret of ["a-secret", "b-secret", "c-secret", "d-secret", "e-secret"]) expect(line).not.toContain(secret);
  });
});
