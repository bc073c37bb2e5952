// Group commit of one pass's write outcomes: while one commit is under way,
// the outcomes that arrive meanwhile wait for it and then go together in one
// statement (commitLinkEffects). The first outcome never waits; under load
// the commits grow instead of queueing, so the writes in flight are not held
// up by one database round trip each.
import type { Db } from "../db/database.js";
import { commitLinkEffects, type Effects } from "../db/queries/sync-effects.js";

/** Most outcomes in one commit: bounds the statement. */
const MAX_ITEMS = 100;

interface Waiting {
  effects: Effects;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class CommitBatch {
  private readonly waiting: Waiting[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly bindingId: string,
  ) {}

  /** Resolves once `effects` (see sharesCommit) are committed, with other outcomes or alone. */
  commit(effects: Effects): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ effects, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length) await this.write(this.take());
    } finally {
      this.running = false;
    }
  }

  /** The next outcomes in order, up to the first that touches a task already taken (one statement writes a link once). */
  private take(): Waiting[] {
    const tasks = new Set<string>();
    const taken: Waiting[] = [];
    while (taken.length < MAX_ITEMS && this.waiting.length) {
      const task = taskOf(this.waiting[0].effects);
      if (task !== undefined) {
        if (tasks.has(task)) break;
        tasks.add(task);
      }
      taken.push(this.waiting.shift()!);
    }
    return taken;
  }

  private async write(items: Waiting[]): Promise<void> {
    try {
      await commitLinkEffects(
        this.db,
        this.bindingId,
        items.map((item) => item.effects),
      );
      for (const item of items) item.resolve();
    } catch (error) {
      if (items.length === 1) return items[0].reject(error);
      // One bad item must not fail the rest: each alone, so only its own commit fails.
      for (const item of items) {
        await commitLinkEffects(this.db, this.bindingId, [item.effects]).then(item.resolve, item.reject);
      }
    }
  }
}

function taskOf(effects: Effects): string | undefined {
  const link = effects.link;
  if (!link) return undefined;
  return "drop" in link ? link.drop : link.taskId;
}
