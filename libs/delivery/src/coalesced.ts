/**
 * Runs an async task for many concurrent callers without running it once per caller, while still
 * guaranteeing each caller a run that *started after* it asked (so it sees everything committed
 * before its request). Callers arriving while a run is in flight share the one queued after it.
 */
export class Coalesced {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly task: () => Promise<unknown>) {}

  run(): Promise<void> {
    if (!this.running) return this.start();
    this.queued ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.queued;
  }

  private start(): Promise<void> {
    this.queued = null;
    const run = this.task().then(() => undefined);
    this.running = run;
    const clear = () => {
      if (this.running === run) this.running = null;
    };
    run.then(clear, clear);
    return run;
  }
}
