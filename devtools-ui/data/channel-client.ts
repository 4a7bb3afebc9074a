/**
 * The overlay's end of the DevTools channel: custom events on Vite's dev socket
 * (`import.meta.hot`). Feeds the event store, and sends actions with the server's secret.
 */
import type { EventStore } from './event-store.js';
import {
  CHANNEL_EVENT,
  unpackMessage,
  type ActionOutcome,
  type ActionRequest,
  type ChannelMessage,
  type OverlayMessage,
  type Refusal,
  type WireMessage
} from 'virtual:svelte-realtime/devtools-wire';

/** The part of `import.meta.hot` the channel uses. */
export interface HotLike {
  // `any`: Vite's `on` is generic over its event map, and custom events carry no declared payload.
  on(event: string, listener: (data: any) => void): void;
  send(event: string, data: unknown): void;
}

export type ActionResult = ({ ok: true } & ActionOutcome) | { ok: false; error: Refusal };

export class ChannelClient {
  /** Set when the server refused the channel (another origin). */
  refused: Refusal | null = null;
  private server: string | undefined;
  private nextRef = 1;
  private readonly waiting = new Map<number, (result: ActionResult) => void>();
  private open = false;

  constructor(
    private readonly hot: HotLike,
    private readonly store: EventStore,
    private readonly secret: string
  ) {
    hot.on(CHANNEL_EVENT, (message: WireMessage) => this.receive(unpackMessage(message)));
    // Vite's socket reconnected (the dev server restarted): introduce ourselves again.
    hot.on('vite:ws:connect', () => this.send({ type: 'hello', open: this.open }));
    this.send({ type: 'hello', open: false });
  }

  /** While open, the server streams events; while closed, it only keeps them. */
  setOpen(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    this.send({ type: open ? 'open' : 'close' });
  }

  act(request: ActionRequest): Promise<ActionResult> {
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      this.waiting.set(ref, resolve);
      this.send({ type: 'action', ref, secret: this.secret, ...request });
    });
  }

  private send(message: OverlayMessage): void {
    this.hot.send(CHANNEL_EVENT, message);
  }

  private receive(message: ChannelMessage): void {
    switch (message.type) {
      case 'welcome':
        if (this.server !== undefined && this.server !== message.server) this.store.resetServer();
        this.server = message.server;
        this.refused = null;
        return;
      case 'events':
        // Values sent as JSON text stay text until a panel shows one (ValueView, summarize).
        return this.store.ingest(message.events);
      case 'state':
        return this.store.setState(message.state);
      case 'reply': {
        const resolve = this.waiting.get(message.ref);
        this.waiting.delete(message.ref);
        resolve?.(message.ok ? { ok: true, value: message.value, error: message.error, call: message.call } : { ok: false, error: message.error });
        return;
      }
      case 'refused':
        this.refused = { code: message.code, message: message.message };
        this.store.version++;
        return;
    }
  }
}

