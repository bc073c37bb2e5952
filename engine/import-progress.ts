// How far a full import is, written to the binding's state row where any
// process reads it (GET /api/actors `progress`). A 5,000-task import reports
// thousands of steps: a new phase is written at once, steps at most once per
// interval, and the last step within an interval of it, so what is shown is
// never older than that.
import type { ProgressPhase } from "../db/queries/actors.js";

/** Steps of one phase are written at most this often. */
const WRITE_EVERY_MS = 1_000;

export interface Progress {
  phase: ProgressPhase;
  done: number;
  total: number | null;
}

export class ImportProgress {
  private latest: Progress | null = null;
  private writtenAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    /** Writes the progress (null: no import runs); its failures are the writer's to log. */
    private readonly write: (progress: Progress | null) => Promise<void>,
  ) {}

  report(phase: ProgressPhase, done: number, total: number | null): void {
    const phaseChanged = this.latest?.phase !== phase;
    this.latest = { phase, done, total };
    if (phaseChanged) clearTimeout(this.timer);
    else if (this.timer) return;
    const wait = phaseChanged ? 0 : this.writtenAt + WRITE_EVERY_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.writtenAt = performance.now();
    const progress = this.latest;
    // Progress only informs: a failed write (its writer logs it) must not stop the ones after it.
    this.writes = this.writes.then(() => this.write(progress)).catch(() => {});
  }

  /** The import ended (`done`: clear what is shown) or stopped; resolves once the writes have landed. */
  async close(done: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (done) this.writes = this.writes.then(() => this.write(null)).catch(() => {});
    await this.writes;
  }
}
