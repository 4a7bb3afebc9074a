/**
 * `live.cron(schedule, topic, fn, options)`: a server-side job on a cron schedule (parsed by
 * croner: 5 fields, or 6 with seconds first). Each run's result is published to `topic` as a
 * `set` event, so a `live.stream(topic, init, { merge: 'set' })` shows the latest one.
 *
 * The timer starts when the handler is activated and stops when it is deactivated (a reload,
 * the server closing). A run that throws goes to `onError` and the telemetry and never stops
 * the server or later runs. Runs never overlap unless `protect: false`.
 *
 * In a cluster each tick runs once: every instance's timer fires, and the one that takes the
 * tick's lease in Redis runs it. A tick's lease names the tick (its scheduled time), so when its
 * holder dies the next tick is free for the others. While Redis is unreachable every instance runs its ticks (a job
 * never goes silent); `protect` keeps one instance's runs apart, not two instances'.
 */
import { clusterJoining, currentCluster } from '../cluster/current.js';
import { Cron } from 'croner';
import type { Awaitable } from '../../awaitable.js';
import { describeValue, ErrorCode } from '../../protocol.js';
import { LiveError } from '../errors.js';
import { HANDLER, requireFunction } from '../handler-tag.js';
import type { CronJobInfo } from '../../devtools-wire/messages.js';
import type { ActivationHost } from '../handlers.js';

/** What a cron job's function receives. */
export interface CronContext {
  /** `module/export` of the job. */
  readonly path: string;
  /** The topic the result is published to. */
  readonly topic: string;
  /** True for a run started by hand (the DevTools' "run now"), false for a scheduled one. */
  readonly manual: boolean;
  /** Publishes on any topic, like `publish()` from `svelte-realtime/server`. */
  publish(topic: string, event: string, data?: unknown): void;
}

/** Where a failed run is reported. */
export interface CronFailure {
  path: string;
  topic: string;
  /** When the run started (epoch ms). */
  start: number;
  manual: boolean;
}

export interface CronOptions {
  /** IANA time zone the schedule is read in (`Europe/Paris`). Default: the server's. */
  timezone?: string;
  /** Skip a run while the previous one is still going. Default true. */
  protect?: boolean;
  /** Event name the result is published with. Default `set`. */
  event?: string;
  /** Called with the error of a run that throws (it is also sent to the telemetry). */
  onError?: (error: unknown, run: CronFailure) => void;
}

/** One job as the DevTools see it: the wire's type, which the overlay reads. */
export type { CronJobInfo };

export type CronAction = 'run' | 'pause' | 'resume';

export interface LiveCron<Result> {
  readonly [HANDLER]: 'cron';
  readonly schedule: string;
  readonly topic: string;
  readonly fn: (ctx: CronContext) => Awaitable<Result>;
  readonly options: CronOptions;
  activate(host: ActivationHost): () => void;
  /** @internal The running job while active (the runtime's `cronJobs()` reads it). */
  job: CronJob | undefined;
  /** @internal The last runs, kept across reloads that re-activate this handler. */
  readonly runs: CronJobInfo['lastRuns'];
  readonly __types?: { result: Result };
}

const HISTORY = 10;
/** How long a tick's lease lives: it only has to outlast the other instances' timers for that tick. */
const TICK_LEASE_MS = 60_000;
/** How long a tick waits for the process to finish joining its cluster before it runs anyway. */
const JOIN_WAIT_MS = 2_000;

/**
 * Whether this instance runs the tick scheduled at `at`: always in one process; in a cluster,
 * if it took the tick's lease (or Redis is unreachable). A tick that fires while the process is
 * still joining its cluster waits for it, so the first ticks after a start run once too.
 */
async function holdsTick(path: string, at: number): Promise<boolean> {
  const joining = clusterJoining();
  if (joining) await Promise.race([joining, new Promise((resolve) => setTimeout(resolve, JOIN_WAIT_MS).unref())]);
  const cluster = currentCluster();
  if (!cluster) return true;
  try {
    return await cluster.leases.take(`cron:${path}:${at}`, TICK_LEASE_MS);
  } catch {
    return true;
  }
}

/** The live state of an activated cron handler: its croner timer and its recent runs. */
export class CronJob {
  private readonly timer: Cron;
  private running = false;
  private paused = false;

  constructor(
    private readonly handler: LiveCron<unknown>,
    private readonly host: ActivationHost
  ) {
    const { schedule, options } = handler;
    let timer: Cron | undefined;
    try {
      // Built paused, so a bad schedule or time zone fails here, before anything runs.
      timer = new Cron(schedule, { paused: true, timezone: options.timezone, mode: '5-or-6-parts', unref: true }, () => void this.tick());
      timer.nextRun();
    } catch (error) {
      timer?.stop();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${host.file}: live.cron export ${host.name} has an invalid schedule ${JSON.stringify(schedule)}` +
          `${options.timezone ? ` or time zone ${JSON.stringify(options.timezone)}` : ''} (${reason}). ` +
          'Use 5 fields (minute hour day month weekday, e.g. "*/5 * * * *") or 6 with seconds first (e.g. "*/10 * * * * *").'
      );
    }
    this.timer = timer;
    this.timer.resume();
  }

  stop(): void {
    this.timer.stop();
  }

  pause(): void {
    this.paused = true;
    this.timer.pause();
  }

  resume(): void {
    this.paused = false;
    this.timer.resume();
  }

  info(): CronJobInfo {
    const paused = this.paused;
    const next = paused || this.timer.isStopped() ? null : this.timer.nextRun();
    const info: CronJobInfo = {
      path: this.host.path,
      schedule: this.handler.schedule,
      topic: this.handler.topic,
      paused,
      running: this.running,
      nextRun: next ? next.getTime() : null,
      lastRuns: this.handler.runs.map((run) => ({ ...run }))
    };
    if (this.handler.options.timezone) info.timezone = this.handler.options.timezone;
    return info;
  }

  /** A scheduled tick: run here unless another instance of the cluster took it. */
  private async tick(): Promise<void> {
    // The scheduled second names the tick (schedules have whole seconds): the same on every
    // instance whose timer fired within half a second of it.
    const at = Math.round((this.timer.currentRun() ?? new Date()).getTime() / 1000) * 1000;
    if ((currentCluster() || clusterJoining()) && !(await holdsTick(this.host.path, at))) return;
    return this.run(false);
  }

  /** One run: calls fn, publishes its result, reports a failure. Never throws. */
  async run(manual: boolean): Promise<void> {
    if (this.running && this.handler.options.protect !== false) return;
    const { host, handler } = this;
    const start = Date.now();
    const began = performance.now();
    this.running = true;
    let ok = false;
    let result: unknown;
    let failure: unknown;
    try {
      result = await handler.fn({
        path: host.path,
        topic: handler.topic,
        manual,
        publish: (topic, event, data) => host.publish(topic, event, data)
      });
      if (result !== undefined) host.publish(handler.topic, handler.options.event ?? 'set', result);
      ok = true;
    } catch (error) {
      failure = error;
    } finally {
      this.running = false;
    }
    const duration = performance.now() - began;
    const error = failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure));
    handler.runs.push(error ? { start, duration, ok, error: error.message } : { start, duration, ok });
    if (handler.runs.length > HISTORY) handler.runs.shift();
    // Reported before the DevTools event is built: in dev, reporting points the stack at the source.
    if (!ok) this.fail(failure, { path: host.path, topic: handler.topic, start, manual });
    if (host.telemetry.active) {
      host.telemetry.emit({
        type: 'cron',
        path: host.path,
        topic: handler.topic,
        start,
        duration,
        ok,
        manual,
        result,
        error: error && { message: error.message, stack: error.stack }
      });
    }
  }

  private fail(error: unknown, run: CronFailure): void {
    const onError = this.handler.options.onError;
    if (!onError) return this.host.reportError(error, `live.cron ${run.path}`);
    try {
      onError(error, run);
    } catch (thrown) {
      this.host.reportError(thrown, `onError of live.cron ${run.path}`);
    }
  }
}

/** Runs `action` on an active job; throws LiveError('UNKNOWN_PATH') when there is none. */
export async function controlCronJob(handler: LiveCron<unknown> | undefined, path: string, action: CronAction): Promise<void> {
  const job = handler?.job;
  if (!job) throw new LiveError(ErrorCode.UNKNOWN_PATH, `No active live.cron job at ${JSON.stringify(path.slice(0, 120))}`);
  switch (action) {
    case 'run':
      return job.run(true);
    case 'pause':
      return job.pause();
    case 'resume':
      return job.resume();
    default:
      throw new LiveError(ErrorCode.MALFORMED, `Unknown cron action ${describeValue(action)}; use run, pause or resume`);
  }
}

export function cron<Result>(
  schedule: string,
  topic: string,
  fn: (ctx: CronContext) => Awaitable<Result>,
  options: CronOptions = {}
): LiveCron<Result> {
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    throw new TypeError('live.cron(schedule, topic, fn): schedule must be a cron expression such as "*/5 * * * *"');
  }
  if (typeof topic !== 'string' || topic === '') throw new TypeError('live.cron(schedule, topic, fn): topic must be a non-empty string');
  requireFunction(fn, 'live.cron(schedule, topic, fn): fn');
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('live.cron: options.onError must be a function');
  }
  const handler: LiveCron<Result> = {
    [HANDLER]: 'cron',
    schedule,
    topic,
    fn,
    options,
    job: undefined,
    runs: [],
    activate(host) {
      const job = new CronJob(handler as LiveCron<unknown>, host);
      handler.job?.stop();
      handler.job = job;
      return () => {
        job.stop();
        if (handler.job === job) handler.job = undefined;
      };
    }
  };
  return handler;
}
