// A bounded number of slots shared by many callers, first come first served.
// The supervisor gives one to every actor for authorization, full imports and
// the first pull after them (BindingSync.sync): a start with 10,000 bindings
// then runs a few hundred of those at a time instead of all at once (the same
// total work, a fraction of the memory peak). It says when callers start to
// queue (a mass start) and when, after that, no slot is in use any more.

/** Work whose caller went away while it waited for a slot. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled while waiting for a slot");
    this.name = "Cancelled";
  }
}

export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private crowded = false;

  /** `crowding`: told true when a caller first has to wait, false once no slot is in use after that. */
  constructor(
    readonly size: number,
    private readonly crowding?: (crowded: boolean) => void,
  ) {}

  /** Runs `work` in a slot; when `cancelled()` says so by the time the slot comes, gives it back and throws Cancelled. */
  async run<T>(work: () => Promise<T>, cancelled: () => boolean = () => false): Promise<T> {
    if (this.active < this.size) this.active++;
    else {
      if (!this.crowded) this.tell(true);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      if (cancelled()) throw new Cancelled();
      return await work();
    } finally {
      // The slot passes straight to the next waiter, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.active === 0 && this.crowded) this.tell(false);
    }
  }

  private tell(crowded: boolean): void {
    this.crowded = crowded;
    this.crowding?.(crowded);
  }
}
