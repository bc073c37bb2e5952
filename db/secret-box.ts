// AES-256-GCM for secrets at rest (R2). Stored form: v1.<iv>.<tag>.<ciphertext>, base64url.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export class SecretBox {
  private readonly key: Buffer;

  /** `key` is any string: 64 hex digits are used as is, anything else is hashed to 32 bytes. */
  constructor(key: string) {
    this.key = /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, "hex") : createHash("sha256").update(key).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
  }

  /** A keyed digest, for tokens we hand out and must recognise later (webhook channels). */
  sign(text: string): string {
    return createHmac("sha256", this.key).update(`sign:${text}`).digest("base64url");
  }

  verify(text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(text));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("secret is not in a known sealed form");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }
}
