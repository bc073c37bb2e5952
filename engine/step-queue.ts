// One binding's steps (authorize, passes), one at a time: a step starts only
// when the one before it has settled, whether it succeeded, failed or was
// cancelled. So a restart never runs beside the pass it cancelled.
const settled = () => {};

export class StepQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const run = this.last.then(step, step);
    // Settled with nothing: an idle binding keeps no step's result (a pass's outcome) until its next step.
    this.last = run.then(settled, settled);
    return run;
  }

  /** Resolves when every step queued so far has settled. */
  async idle(): Promise<void> {
    await this.last;
  }
}
