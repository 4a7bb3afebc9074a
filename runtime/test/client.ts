/**
 * One user of the app in a test: a real client socket (the browser runtime, over `ws`) to the
 * test server, through which every call and subscription goes as a page's would, so the app's
 * guards, validation, rate limits and `handle` apply as in production.
 */
import { connect as openSocket } from '../client/reconnect.js';
import { RpcError } from '../client/rpc-error.js';
import { LiveSocket } from '../client/socket.js';
import type { ConnectionStatus } from '../client/status.js';
import type { Readable } from '../client/store.js';
import { bindModule } from './bind.js';
import { TestKitError } from './errors.js';
import type { TestModule } from './types.js';

/** Finds the `$live` path of a module namespace the test server loaded (see server.ts). */
export interface ModuleDirectory {
  pathOf(namespace: object): string | undefined;
  namespaceAt(path: string): Record<string, unknown> | undefined;
}

export class TestClient {
  private readonly modules = new Map<string, Record<string, unknown>>();
  private readonly stops: (() => void)[] = [];
  private closed = false;

  /** @internal Made by `TestServer.connect()`. */
  constructor(
    private readonly socket: LiveSocket,
    private readonly directory: ModuleDirectory,
    private readonly onClose: () => void
  ) {}

  /** The connection's state, as the page's `connection` store has it. */
  get status(): Readable<ConnectionStatus> {
    return this.socket.status;
  }

  /** The connection's id: `ctx.connectionId` in this client's calls. */
  get connectionId(): string {
    const id = this.socket.status.get().connectionId;
    if (id === null) throw new TestKitError('CLOSED', 'This test client is not connected');
    return id;
  }

  /**
   * A live module as this client's page would import it from `$live/...`, typed from the
   * module itself: `const { sendMessage, messages } = alice.live(chat)` with
   * `import * as chat from '../src/live/chat'`. A path works too, typed by hand:
   * `alice.live<typeof import('../src/live/chat')>('chat')`.
   */
  live<Module extends object>(module: Module | string): TestModule<Module> {
    if (this.closed) throw new TestKitError('CLOSED', 'This test client was closed; connect() a new one');
    const path = typeof module === 'string' ? module : this.directory.pathOf(module);
    const namespace = path === undefined ? undefined : this.directory.namespaceAt(path);
    if (path === undefined || namespace === undefined) {
      throw new TestKitError(
        'UNKNOWN_MODULE',
        `client.live(${typeof module === 'string' ? JSON.stringify(module) : 'module'}): the test server did not load this module; include it in createTestServer({ modules })`
      );
    }
    let bound = this.modules.get(path);
    if (!bound) this.modules.set(path, (bound = bindModule(this.socket, path, namespace, (stop) => this.stops.push(stop))));
    return bound as TestModule<Module>;
  }

  /** Closes the socket; its subscriptions end on the server as when a tab closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    const ws = this.socket.ws;
    if (ws) {
      ws.onclose = ws.onmessage = null;
      ws.close(1000);
    }
    if (this.socket.reconnectTimer) clearTimeout(this.socket.reconnectTimer);
    this.onClose();
  }
}

/**
 * Opens `socket` and waits for the server's hello; rejects with the refusal (an RpcError with
 * the `upgrade` hook's UNAUTHORIZED or FORBIDDEN) when the app turns the connection away.
 */
export function open(socket: LiveSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let opening = false;
    const stop = socket.status.subscribe((status) => {
      if (settled) return;
      if (status.state === 'connecting') opening = true;
      if (status.state === 'open') resolve();
      else if (status.state === 'refused') reject(new RpcError(status.code ?? 'FORBIDDEN', status.reason ?? 'The server refused the connection'));
      else if (status.state === 'idle' && opening) {
        // Closed before its hello with nothing waiting on it: an HTTP refusal (the upgrade hook threw, a connection limit).
        reject(new RpcError('DISCONNECTED', 'The server closed the connection before it opened; its log says why (an upgrade hook that threw, a connection limit)'));
      } else return;
      settled = true;
      queueMicrotask(() => stop());
    });
    openSocket(socket);
  });
}
