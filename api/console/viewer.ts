// Who looks at a console page: the signed-in session (its kind and CSRF
// token) and the language its words are in.
import type { TokenKind } from "../deps.js";
import type { Language, Messages } from "./messages.js";

export interface Viewer {
  kind: TokenKind;
  /** The session's CSRF token: every form carries it, the script sends it as X-CSRF-Token. */
  csrf: string;
  language: Language;
  t: Messages;
}

/** Read-only sessions get a console without controls. */
export const mayChange = (viewer: Viewer) => viewer.kind === "admin";
