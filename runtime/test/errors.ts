/**
 * The one error type of svelte-realtime/test: a `code` to match on and a message that says what
 * to change in the test. Errors from the app's own handlers keep their own types (RpcError on
 * the client side, as a page sees them).
 */
export type TestKitErrorCode =
  /** `createTestServer` got no live modules, or a value that is not a module namespace. */
  | 'NO_MODULES'
  /** A module key whose `$live/...` path cannot be told (see modules.ts). */
  | 'MODULE_PATH'
  /** `client.live(x)` or `runCron(x)` named something the test server did not load. */
  | 'UNKNOWN_MODULE'
  /** A second test server while one is open in this process. */
  | 'SERVER_OPEN'
  /** Used after `close()`. */
  | 'CLOSED'
  /** `runCron` on something that is not a `live.cron` export. */
  | 'NOT_CRON'
  /** `next()` / `until()` saw no fitting value in time. */
  | 'TIMEOUT'
  /** An option of the wrong type. */
  | 'BAD_OPTION';

export class TestKitError extends Error {
  constructor(
    readonly code: TestKitErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'TestKitError';
  }
}
