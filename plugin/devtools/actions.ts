/**
 * The DevTools actions that change server state: replay a call, run or pause a cron job, run a
 * stream's init for a page's connection. Each needs the per-server secret, which only the
 * overlay this dev server served knows; anything else is refused with a typed error.
 */
import crypto from 'node:crypto';
import type { Runtime } from '../../runtime/server/runtime.js';
import { preview } from '../../runtime/devtools-wire/preview.js';
import { describeValue } from '../../runtime/protocol.js';
import type { ActionOutcome, ActionRequest } from '../../runtime/devtools-wire/messages.js';
import type { TelemetryEventOf } from '../../runtime/server/telemetry.js';
import type { TelemetryCapture } from './capture.js';
import { probe } from './probe.js';

/** Largest argument list (JSON characters) an action may carry. */
const MAX_ACTION_ARGS = 64 * 1024;

const CRON_CONTROLS: ReadonlySet<string> = new Set(['run', 'pause', 'resume']);

/** An action's failure, with the code the overlay shows. */
export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

export class DevtoolsActions {
  constructor(
    private readonly runtime: () => Runtime,
    /** Kept telemetry: the calls a replay repeats, the users of connections that closed. */
    private readonly history: TelemetryCapture,
    private readonly secret: string
  ) {}

  /** Compares in constant time, so the secret cannot be guessed byte by byte. */
  hasSecret(candidate: unknown): boolean {
    if (typeof candidate !== 'string') return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.secret);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  /** Runs one action (its secret already checked); throws ActionError, or what the runtime threw. */
  perform(request: ActionRequest): Promise<ActionOutcome> {
    switch (request.action) {
      case 'replay':
        return this.replay(request);
      case 'cron':
        return this.controlCron(request);
      case 'server-value':
        return this.serverValue(request);
      default:
        throw new ActionError('MALFORMED', `Unknown action ${describeValue((request as { action: unknown }).action)}`);
    }
  }

  /** Makes a kept call again, as the user of the connection that made it. */
  private async replay(request: Extract<ActionRequest, { action: 'replay' }>): Promise<ActionOutcome> {
    const original = this.findCall(request.connection, request.id);
    if (!original) throw new ActionError('EXPIRED', `Call ${request.connection}/${request.id} is no longer kept on the server; make it again`);
    const user = this.userOf(original.connection);
    if (user === NO_USER) throw new ActionError('GONE', `Connection ${original.connection} closed and its user is no longer known; make the call again`);
    const id = 1 + Math.floor(Math.random() * 1e9);
    const { connection, reply } = await probe(this.runtime(), user, { t: 'call', id, path: original.path, args: original.args });
    if (reply.t === 'error') return { error: { code: reply.code, message: reply.message, stack: reply.stack }, call: { connection, id } };
    return { value: preview(reply.t === 'result' ? reply.data : undefined), call: { connection, id } };
  }

  private async controlCron(request: Extract<ActionRequest, { action: 'cron' }>): Promise<ActionOutcome> {
    if (!CRON_CONTROLS.has(request.control)) throw new ActionError('MALFORMED', 'control must be run, pause or resume');
    if (typeof request.path !== 'string') throw new ActionError('MALFORMED', 'path must be a string');
    await this.runtime().controlCron(request.path, request.control);
    return {};
  }

  /** Runs a stream's init for an open connection, with the page's arguments: the value the server would send now. */
  private async serverValue(request: Extract<ActionRequest, { action: 'server-value' }>): Promise<ActionOutcome> {
    const args = request.args;
    if (!Array.isArray(args)) throw new ActionError('MALFORMED', 'args must be an array');
    if (JSON.stringify(args).length > MAX_ACTION_ARGS) throw new ActionError('LIMIT', `Stream arguments may be at most ${MAX_ACTION_ARGS} characters of JSON`);
    if (typeof request.path !== 'string' || typeof request.connection !== 'string') throw new ActionError('MALFORMED', 'path and connection must be strings');
    const user = this.userOf(request.connection);
    if (user === NO_USER) throw new ActionError('GONE', `Connection ${request.connection} is not open`);
    const { reply } = await probe(this.runtime(), user, { t: 'sub', id: 1, path: request.path, args });
    if (reply.t === 'error') throw new ActionError(reply.code, reply.message);
    return { value: preview(reply.t === 'snapshot' ? reply.data : undefined) };
  }

  private findCall(connection: string, id: number): TelemetryEventOf<'call'> | undefined {
    for (const event of this.history.recent('call')) if (event.connection === connection && event.id === id) return event;
    return undefined;
  }

  /** The user of a connection, open or recently opened (a closed one is known while its open event is kept). */
  private userOf(connection: string): unknown {
    const open = this.runtime().connections.get(connection);
    if (open) return open.user;
    for (const event of this.history.recent('open')) if (event.connection === connection) return event.user;
    return NO_USER;
  }
}

const NO_USER = Symbol('no user');
