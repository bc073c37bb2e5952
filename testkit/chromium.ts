// A real browser for the console's tests and screenshots: Debian's Chromium
// (CHROMIUM_PATH, default /usr/bin/chromium) driven headless by playwright-core,
// in a fresh profile, with nothing reaching out to the network on its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import axe from "axe-core";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export interface Chromium {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export const chromiumPath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(options: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "taskcal-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? "en-GB",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** axe-core's serious and critical violations on the page as it is now (rule id and the elements it names). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; targets: string[] }[]> {
  await page.addScriptTag({ content: axe.source });
  const results = (await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(" ")) }));
}
