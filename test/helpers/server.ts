/**
 * Integration-test harness: a real HTTP server on 127.0.0.1 (ephemeral port) with a fresh
 * runtime, and a raw protocol client over a real `ws` socket. Tests that cross the wire use
 * these instead of mocks.
 */
import http from 'node:http';
import { afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import { stringify } from 'devalue';
import { WebSocket } from 'ws';
import {
  BinaryFrameType,
  encodeBinaryFrame,
  PROTOCOL_VERSION,
  readBinaryBody,
  readBinaryHeader,
  type ClientMessage,
  type ServerMessage
} from '../../runtime/protocol.js';
import { decodeFrame, encodeFrame } from '../../runtime/server/frames.js';
import { resetRuntime, Runtime, type LoadInput } from '../../runtime/server/runtime.js';
import type { HandlerKind } from '../../runtime/kinds.js';
import { handlerKind } from '../../runtime/server/handler-tag.js';
import type { ModuleRegistration } from '../../runtime/server/registry.js';

export interface TestServer {
  runtime: Runtime;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A module registration from a plain namespace, the way the generated registry builds it:
 * `module('chat', { sendMessage, messages })`.
 */
export function module(path: string, namespace: Record<string, unknown>): ModuleRegistration {
  const exports: (readonly [string, HandlerKind])[] = [];
  for (const [name, value] of Object.entries(namespace)) {
    const kind = handlerKind(value);
    if (kind) exports.push([name, kind]);
  }
  return { path, file: `src/live/${path}.ts`, namespace, exports };
}

/**
 * Starts a runtime on its own HTTP server; `close()` ends both. Pass `runtime` to serve a given
 * one (the process's, `getRuntime()`, for code that uses the public `publish()`).
 */
export async function startServer(input: LoadInput, runtime = new Runtime()): Promise<TestServer> {
  runtime.load({ ...input, options: { dev: true, ...input.options } });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  runtime.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    port,
    url: `ws://127.0.0.1:${port}/__realtime`,
    async close() {
      runtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}

/** A raw protocol client: sends frames, collects every message the server sends. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private nextId = 1;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        // A live.binary result: delivered as a result message marked `binary`.
        const bytes = new Uint8Array(data as Buffer);
        const header = readBinaryHeader(bytes);
        this.receive({ t: 'result', id: header.id, data: readBinaryBody(bytes, header).payload.slice(), binary: true } as ServerMessage);
        return;
      }
      for (const message of decodeFrame(data.toString()) as ServerMessage[]) this.receive(message);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connects and waits for the server's hello. */
  static async connect(url: string, options: { headers?: Record<string, string>; origin?: string } = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers: options.headers, origin: options.origin });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.next((m) => m.t === 'hello');
    return client;
  }

  id(): number {
    return this.nextId++;
  }

  /** Sends messages in one frame. */
  send(...messages: ClientMessage[]): void {
    this.socket.send(encodeFrame(messages));
  }

  /** Sends raw text (hostile input). */
  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** Calls `path` and resolves with the result or error message that answers it. */
  async call(path: string, ...args: unknown[]): Promise<ServerMessage> {
    const id = this.id();
    this.send({ t: 'call', id, path, args });
    return this.next((m) => (m.t === 'result' || m.t === 'error') && m.id === id);
  }

  /** Calls a live.binary handler in a binary frame; resolves with the result (binary or not) or error. */
  async callBinary(path: string, payload: Uint8Array, ...args: unknown[]): Promise<ServerMessage & { binary?: true }> {
    const id = this.id();
    this.socket.send(encodeBinaryFrame({ type: BinaryFrameType.call, id, path, argsText: args.length > 0 ? stringify(args) : '', payload }));
    return this.next((m) => (m.t === 'result' || m.t === 'error') && m.id === id);
  }

  /** Subscribes and resolves with the snapshot, resumed or error message that answers it. */
  async subscribe(path: string, args: unknown[] = [], from?: { epoch: string; seq: number }): Promise<ServerMessage & { id: number }> {
    const id = this.id();
    this.send(from ? { t: 'sub', id, path, args, from } : { t: 'sub', id, path, args });
    return (await this.next((m) => (m.t === 'snapshot' || m.t === 'resumed' || m.t === 'error') && 'id' in m && m.id === id)) as ServerMessage & {
      id: number;
    };
  }

  /** The first message (already received or still to come) that passes `test`. */
  next(test: (m: ServerMessage) => boolean, timeout = 5000): Promise<ServerMessage> {
    const found = this.messages.find(test);
    if (found) {
      this.messages.splice(this.messages.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeout} ms`)), timeout);
      this.waiters.push({ test, resolve, reject, timer });
    });
  }

  /** Every `event` message received so far for `topic`, in order (consumed). */
  events(topic: string): Extract<ServerMessage, { t: 'event' }>[] {
    const events = this.messages.filter((m): m is Extract<ServerMessage, { t: 'event' }> => m.t === 'event' && m.topic === topic);
    for (const e of events) this.messages.splice(this.messages.indexOf(e), 1);
    return events;
  }

  close(): void {
    this.socket.close();
  }

  private receive(message: ServerMessage): void {
    const waiter = this.waiters.find((w) => w.test(message));
    if (!waiter) {
      this.messages.push(message);
      return;
    }
    this.waiters.splice(this.waiters.indexOf(waiter), 1);
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }
}

export { PROTOCOL_VERSION };

/**
 * The HTTP status of an upgrade the server refuses, or 101 when it accepts (the socket is then
 * closed again).
 */
export function upgradeStatus(url: string, options: { headers?: Record<string, string>; origin?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: options.headers, origin: options.origin });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('upgrade', () => resolve(101));
    socket.once('open', () => socket.close());
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** A promise with its resolve function outside: lets a test hold a handler until it says so. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `test` until it returns a value (or true): state reached through another socket, a log line... */
export async function waitFor<T>(test: () => T | undefined | false, what = 'condition', timeout = 5000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = test();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One server per test: `start()` it, `connect()` clients to it; after each test the clients and
 * the server are closed and the process's runtime is reset.
 */
export function serverPerTest(): {
  readonly server: TestServer;
  start(input: LoadInput, runtime?: Runtime): Promise<TestServer>;
  connect(options?: { headers?: Record<string, string>; origin?: string }): Promise<TestClient>;
} {
  let current: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await current?.close();
    current = undefined;
    resetRuntime();
  });
  return {
    get server() {
      if (!current) throw new Error('serverPerTest: start() the server first');
      return current;
    },
    async start(input, runtime) {
      current = await startServer(input, runtime);
      return current;
    },
    async connect(options) {
      if (!current) throw new Error('serverPerTest: start() the server first');
      const client = await TestClient.connect(current.url, options);
      clients.push(client);
      return client;
    }
  };
}
