import { describe } from "vitest";
import { radicaleInstalled } from "../../testkit/radicale.js";

/**
 * `describe` for suites that need Radicale: skipped on a machine without it,
 * but on CI (which installs it) the missing binary fails in `startRadicale`.
 */
export const describeWithRadicale = describe.skipIf(!radicaleInstalled && !process.env.CI);
