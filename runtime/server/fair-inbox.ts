/**
 * Fair reading of one connection's frames: at most FRAMES_PER_TURN of them are handled per turn
 * of the event loop, the rest wait for the next turn with the socket paused.
 *
 * ws hands over every frame of what the socket read at once, and libuv reads up to 2 MiB from
 * one socket per wake-up: a client sending tiny frames as fast as it can would otherwise have
 * each of those megabytes handled before any other client is read. Pausing the socket also
 * stops reading from it, so the waiting frames stay few and TCP slows the sender down.
 */
import type { RawData, WebSocket } from 'ws';

/** Frames one connection may have handled in one turn before the others get theirs. */
export const FRAMES_PER_TURN = 32;

/** The event loop's turn, counted by one setImmediate per turn in which frames arrive. */
let turn = 0;
let turnCounted = false;

function nextTurn(): void {
  turn++;
  turnCounted = false;
}

function currentTurn(): number {
  if (!turnCounted) {
    turnCounted = true;
    setImmediate(nextTurn);
  }
  return turn;
}

export type FrameHandler = (data: RawData, isBinary: boolean) => void;

export class FairInbox {
  private turn = -1;
  private handledThisTurn = 0;
  private readonly waiting: [RawData, boolean][] = [];
  private next = 0;
  private draining = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly handle: FrameHandler
  ) {}

  /** A frame from the socket: handled now, or after the frames already waiting. */
  receive(data: RawData, isBinary: boolean): void {
    if (!this.draining && this.take()) {
      this.handle(data, isBinary);
      return;
    }
    this.waiting.push([data, isBinary]);
    if (this.draining) return;
    this.draining = true;
    this.socket.pause();
    setImmediate(this.drain);
  }

  /** Counts one frame against this turn's share; false when the share is spent. */
  private take(): boolean {
    const now = currentTurn();
    if (now !== this.turn) {
      this.turn = now;
      this.handledThisTurn = 0;
    }
    return this.handledThisTurn++ < FRAMES_PER_TURN;
  }

  /** Handles one turn's share of the waiting frames; reads from the socket again once none wait. */
  private readonly drain = (): void => {
    const waiting = this.waiting;
    if (this.socket.readyState !== 1) {
      waiting.length = this.next = 0;
      return;
    }
    const end = Math.min(waiting.length, this.next + FRAMES_PER_TURN);
    while (this.next < end) {
      const [data, isBinary] = waiting[this.next]!;
      waiting[this.next++] = undefined as never;
      this.handle(data, isBinary);
    }
    if (this.next < waiting.length) {
      setImmediate(this.drain);
      return;
    }
    waiting.length = this.next = 0;
    this.draining = false;
    this.turn = -1;
    if (this.socket.readyState === 1) this.socket.resume();
  };
}
