// One binding's steps (authorize, passes), one at a time: a step starts only
// when the one before it has settled, whether it succeeded, failed or was
// cancelled. So a restart never runs beside the pass it cancelled.
export class StepQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const run = this.last.then(step, step);
    this.last = run.catch(() => {});
    return run;
  }

  /** Resolves when every step queued so far has settled. */
  async idle(): Promise<void> {
    await this.last;
  }
}
