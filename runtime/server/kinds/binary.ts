/**
 * `live.binary(fn, { maxSize })`: an RPC whose first argument is raw bytes, sent in a binary
 * frame (see runtime/protocol.ts). The handler receives a Uint8Array and may return bytes (sent
 * back as a binary frame) or any other value (sent as an ordinary result).
 *
 * The payload's size is checked against `maxSize` before anything of the body is read (see
 * binary-dispatch.ts, which answers binary frames).
 */
import type { Awaitable } from '../../awaitable.js';
import type { LiveContext } from '../context.js';
import { HANDLER, requireFunction } from '../handler-tag.js';

export interface BinaryOptions {
  /** Largest payload accepted, in bytes. Default 1 MiB. */
  maxSize?: number;
}

export interface LiveBinary<Args extends unknown[], Result> {
  readonly [HANDLER]: 'binary';
  readonly fn: (ctx: LiveContext, data: Uint8Array<ArrayBuffer>, ...args: Args) => Awaitable<Result>;
  readonly maxSize: number;
  readonly __types?: { args: Args; result: Result };
}

const DEFAULT_MAX_SIZE = 1024 * 1024;

export function binary<Args extends unknown[], Result>(
  fn: (ctx: LiveContext, data: Uint8Array<ArrayBuffer>, ...args: Args) => Awaitable<Result>,
  options: BinaryOptions = {}
): LiveBinary<Args, Result> {
  requireFunction(fn, 'live.binary(fn, options): fn');
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  if (!Number.isInteger(maxSize) || maxSize < 0) {
    throw new TypeError(`live.binary: maxSize must be a whole number of bytes; got ${String(maxSize)}`);
  }
  return { [HANDLER]: 'binary', fn, maxSize };
}
