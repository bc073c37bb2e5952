// Secrets at rest (R2). SECRET_KEY gives two keys by HKDF: one encrypts
// (AES-256-GCM with a 16-byte tag), one signs (HMAC-SHA256, for tokens taskcal
// hands out, such as push-channel tokens). Each ciphertext is bound to where
// it belongs (its context: owner and field, as additional authenticated data),
// so one cannot be moved to another operator or field. Stored form:
// v2.<iv>.<tag>.<ciphertext>, base64url. v1 values (the first release: the key
// used directly, no context) still open, and are re-sealed at start.
// SECRET_KEY_PREVIOUS opens what the old key sealed while a rotation runs.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

const TAG_BYTES = 16;
const CHECK_TEXT = "taskcal: this is the key the secrets were sealed with";
const CHECK_CONTEXT = "taskcal:key-check";

/** 64 hex digits are used as they are; anything else is hashed to 32 bytes (the first release's rule, kept). */
function baseKey(key: string): Buffer {
  return /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, "hex") : createHash("sha256").update(key).digest();
}

interface KeySet {
  base: Buffer;
  encryption: Buffer;
  signing: Buffer;
}

function keySet(key: string): KeySet {
  const base = baseKey(key);
  const derive = (purpose: string) => Buffer.from(hkdfSync("sha256", base, "taskcal", purpose, 32));
  return { base, encryption: derive("secrets at rest"), signing: derive("signed tokens") };
}

function decrypt(key: Buffer, iv: string, tag: string, body: string, context: string | null): string {
  const tagBytes = Buffer.from(tag, "base64url");
  if (tagBytes.length !== TAG_BYTES) throw new Error("the secret's authentication tag is not 16 bytes");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
  if (context !== null) decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

/** The secret is sealed under neither SECRET_KEY nor SECRET_KEY_PREVIOUS (or was altered). */
export class SecretUnreadable extends Error {
  constructor() {
    super("a stored secret cannot be opened with SECRET_KEY (nor SECRET_KEY_PREVIOUS)");
    this.name = "SecretUnreadable";
  }
}

export class SecretBox {
  private readonly current: KeySet;
  private readonly previous: KeySet | undefined;

  constructor(key: string, previousKey?: string) {
    this.current = keySet(key);
    this.previous = previousKey ? keySet(previousKey) : undefined;
  }

  /** Seals `plain` for `context` (where it is stored, e.g. `operator:<id>:password`). */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.encryption, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v2", iv, cipher.getAuthTag(), body].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
  }

  open(sealed: string, context: string): string {
    return this.openWith(sealed, context).plain;
  }

  /** True when the value is sealed in the old form or under the previous key: it is to be sealed again. */
  needsReseal(sealed: string, context: string): boolean {
    return !this.openWith(sealed, context).current;
  }

  private openWith(sealed: string, context: string): { plain: string; current: boolean } {
    const [version, iv, tag, body] = sealed.split(".");
    if (!iv || !tag || body === undefined || (version !== "v1" && version !== "v2")) throw new SecretUnreadable();
    for (const keys of [this.current, this.previous]) {
      if (!keys) continue;
      try {
        const plain = version === "v2" ? decrypt(keys.encryption, iv, tag, body, context) : decrypt(keys.base, iv, tag, body, null);
        return { plain, current: version === "v2" && keys === this.current };
      } catch {
        // not under this key: try the next
      }
    }
    throw new SecretUnreadable();
  }

  /** A value stored with the data that tells, at start, whether SECRET_KEY is the one the secrets were sealed with. */
  checkValue(): string {
    return this.seal(CHECK_TEXT, CHECK_CONTEXT);
  }

  /** "current" when `check` opens with SECRET_KEY, "previous" with SECRET_KEY_PREVIOUS, "wrong" otherwise. */
  checkKey(check: string): "current" | "previous" | "wrong" {
    try {
      const { plain, current } = this.openWith(check, CHECK_CONTEXT);
      if (plain !== CHECK_TEXT) return "wrong";
      return current ? "current" : "previous";
    } catch {
      return "wrong";
    }
  }

  /** A keyed digest, for tokens we hand out and must recognise later (push channels). */
  sign(text: string): string {
    return createHmac("sha256", this.current.signing).update(text).digest("base64url");
  }

  /**
   * Whether `signature` is ours for `text`: made with the signing key (current
   * or previous), or in the first release's form (the key itself, `sign:`
   * prefix), so channels opened before an upgrade stay valid until they expire.
   */
  verify(text: string, signature: string): boolean {
    const given = Buffer.from(signature);
    const candidates = [this.current, this.previous].flatMap((keys) =>
      keys
        ? [
            createHmac("sha256", keys.signing).update(text).digest("base64url"),
            createHmac("sha256", keys.base).update(`sign:${text}`).digest("base64url"),
          ]
        : [],
    );
    return candidates.some((expected) => expected.length === given.length && timingSafeEqual(Buffer.from(expected), given));
  }
}
