// The daily upkeep: journal entries older than JOURNAL_RETENTION_DAYS,
// synced tombstones deleted before the sync window (R8) and failures resolved
// over a day ago are deleted, a small batch at a time with a pause between
// batches, so the sync never waits long on it. Each replica may run it: the
// deletes are idempotent.
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { purgeJournal, purgeResolvedFailures, purgeTombstones } from "../db/queries/retention.js";
import { readSettings } from "../db/queries/settings.js";
import { syncWindow } from "./window.js";

const DAY_MS = 86_400_000;

export interface Purged {
  journal: number;
  tombstones: number;
  failures: number;
}

export interface RetentionOptions {
  db: Db;
  logger: Logger;
  /** Journal entries older than this many days go. */
  journalDays: number;
  /** Rows per delete (default 500) and the pause between two (default 100 ms). */
  batchSize?: number;
  pauseMs?: number;
  /** The first run this long after start (default 5 minutes: start-up has enough to do), then every day. */
  firstRunMs?: number;
  /** Told what each run deleted (metrics). */
  onDone?: (purged: Purged, at: Date) => void;
}

export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.schedule(this.options.firstRunMs ?? 5 * 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.run()
        .catch((err) => this.options.logger.warn({ err }, "retention: the purge failed; it runs again tomorrow"))
        .finally(() => this.schedule(DAY_MS));
    }, ms);
    this.timer.unref();
  }

  /** One purge, as of `now`: what it deleted. */
  async run(now = new Date()): Promise<Purged> {
    const { db, journalDays } = this.options;
    const settings = await readSettings(db);
    const window = syncWindow(now, settings.monthsBack, settings.timeZone);
    const purged: Purged = {
      journal: await this.drain((batch) => purgeJournal(db, new Date(now.getTime() - journalDays * DAY_MS), batch)),
      tombstones: await this.drain((batch) => purgeTombstones(db, window.startInstant, batch)),
      failures: await this.drain((batch) => purgeResolvedFailures(db, new Date(now.getTime() - DAY_MS), batch)),
    };
    this.options.logger.info(
      { ...purged, journalDays, windowStart: window.startDate },
      "retention: old journal entries, tombstones and failures purged",
    );
    this.options.onDone?.(purged, new Date());
    return purged;
  }

  /** Batches until one comes back short (or the service stops); the total deleted. */
  private async drain(purge: (batch: number) => Promise<number>): Promise<number> {
    const batch = this.options.batchSize ?? 500;
    let total = 0;
    for (;;) {
      const deleted = await purge(batch);
      total += deleted;
      if (deleted < batch || this.stopped) return total;
      await new Promise((resume) => setTimeout(resume, this.options.pauseMs ?? 100));
    }
  }
}
