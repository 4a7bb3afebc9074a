/**
 * Network conditions for this page, from the overlay: go offline, add latency, or drop the
 * socket once, to try the app's reconnect and offline behaviour without touching the network.
 *
 * All of it happens in the page, around the WebSocket the client runtime opens: while a
 * condition is on, `WebSocket` is wrapped so that new sockets fail to open (offline) or send and
 * deliver late (latency); the socket already open is slowed in place, or closed (offline, drop
 * once) so the runtime meets a real drop and reconnects as it would after one. Turning every
 * condition off puts the page's own `WebSocket` back.
 */
import type { TappedSocket } from 'virtual:svelte-realtime/devtools-wire';

/** Largest latency the overlay adds, each way together, in ms. */
export const MAX_LATENCY_MS = 10_000;

type SocketConstructor = typeof WebSocket;

export class NetworkConditions {
  /** New sockets fail to open, and the open one is dropped. */
  offline = false;
  /** Added to every round trip (half on the way out, half on the way in), in ms. */
  latency = 0;
  private readonly real: SocketConstructor;
  private readonly slowed = new WeakSet<WebSocket>();

  constructor(
    private readonly sockets: () => readonly TappedSocket[],
    private readonly scope: { WebSocket: SocketConstructor } = globalThis
  ) {
    this.real = scope.WebSocket;
  }

  setOffline(offline: boolean): void {
    this.offline = offline;
    this.install();
    if (offline) this.dropOnce();
  }

  /** Sets the added latency; throws a RangeError with what to do for a value out of range. */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
      throw new RangeError(`Added latency must be between 0 and ${MAX_LATENCY_MS} ms; got ${ms}`);
    }
    this.latency = ms;
    this.install();
    if (ms > 0) for (const socket of this.sockets()) if (socket.ws) this.slow(socket.ws);
  }

  /** Closes this page's sockets as a network drop would: the runtime reconnects with its backoff. */
  dropOnce(): void {
    for (const socket of this.sockets()) socket.ws?.close(4000, 'Dropped from the svelte-realtime DevTools');
  }

  /** Puts the page's own WebSocket back (the overlay is going away). */
  reset(): void {
    this.offline = false;
    this.latency = 0;
    this.install();
  }

  /** Wraps `WebSocket` while a condition is on; the page's own is back when none is. */
  private install(): void {
    if (!this.offline && this.latency === 0) {
      this.scope.WebSocket = this.real;
      return;
    }
    if (this.scope.WebSocket !== this.real) return;
    const conditions = this;
    const Real = this.real;
    const Conditioned = function (this: unknown, url: string | URL, protocols?: string | string[]) {
      if (conditions.offline) return unreachable();
      const ws = new Real(url, protocols);
      if (conditions.latency > 0) conditions.slow(ws);
      return ws;
    } as unknown as SocketConstructor;
    Object.assign(Conditioned, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    (Conditioned as { prototype: unknown }).prototype = Real.prototype;
    this.scope.WebSocket = Conditioned;
  }

  /** Delays what `ws` sends and what it delivers by half the latency each, in order. */
  private slow(ws: WebSocket): void {
    if (this.slowed.has(ws)) return;
    this.slowed.add(ws);
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      if (this.latency === 0) return send(data);
      setTimeout(() => ws.readyState === 1 && send(data), this.latency / 2);
    };
    let handler = ws.onmessage;
    ws.onmessage = null;
    Object.defineProperty(ws, 'onmessage', {
      configurable: true,
      get: () => handler,
      set: (next: WebSocket['onmessage']) => (handler = next)
    });
    ws.addEventListener('message', (event) => {
      if (this.latency === 0) return handler?.call(ws, event);
      setTimeout(() => handler?.call(ws, event), this.latency / 2);
    });
  }
}

/** A socket that never opens: it closes as an unreachable server's would (1006), on the next turn. */
function unreachable(): WebSocket {
  const fake = {
    readyState: 0,
    binaryType: 'arraybuffer',
    onopen: null,
    onmessage: null,
    onerror: null as ((event: Event) => void) | null,
    onclose: null as ((event: { code: number; reason: string }) => void) | null,
    send() {},
    close() {},
    addEventListener() {},
    removeEventListener() {}
  };
  setTimeout(() => {
    fake.readyState = 3;
    fake.onerror?.(new Event('error'));
    fake.onclose?.({ code: 1006, reason: '' });
  }, 0);
  return fake as unknown as WebSocket;
}
