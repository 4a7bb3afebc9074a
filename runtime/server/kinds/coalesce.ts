/**
 * Coalescing: however often `request()` is called, `task` runs at most once per `delay` ms and
 * never twice at once. A request that arrives while the task runs schedules exactly one more
 * run. Work and memory stay constant whatever the request rate: nothing is queued per request.
 */
export class Coalescer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly delay: number,
    /** Reports its own errors. */
    private readonly task: () => Promise<void>
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(this.fire, this.delay);
    this.timer.unref?.();
  }

  /** Cancels a pending run; a run in progress finishes but schedules nothing more. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = async (): Promise<void> => {
    this.timer = undefined;
    this.running = true;
    try {
      await this.task();
    } catch {
      // Tasks report their own errors; one that slips through must not become an unhandled rejection.
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.request();
      }
    }
  };
}
