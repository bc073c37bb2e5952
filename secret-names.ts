// What counts as a secret by its name, in logs (logger.ts) and in the audit
// log's record of a change (api/audit.ts). Names are compared in any letter
// case and without separators, so refresh_token, refreshToken, REFRESHTOKEN
// and x-goog-channel-token all match.
const secretWords = ["authorization", "password", "passwd", "secret", "token", "apikey", "cookie", "privatekey", "serviceaccountkey"];
const secretNames = new Set(["auth", "pwd"]);

// Log lines repeat the same few keys: each is judged once.
const judged = new Map<string, boolean>();
const MAX_JUDGED = 2_000;

export function isSecretName(name: string): boolean {
  let secret = judged.get(name);
  if (secret === undefined) {
    const bare = name.toLowerCase().replace(/[^a-z0-9]/g, "");
    secret = secretNames.has(bare) || secretWords.some((word) => bare.includes(word));
    if (judged.size < MAX_JUDGED) judged.set(name, secret);
  }
  return secret;
}
