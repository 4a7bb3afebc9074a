/** The error every failed call or subscription rejects with. */
export class RpcError extends Error {
  constructor(
    /** `LiveError` code from the handler, or the runtime's own (TIMEOUT, DISCONNECTED, UNKNOWN_PATH...). */
    readonly code: string,
    message: string,
    /** Machine-readable detail from the server (validation issues, retry-after...). */
    readonly details?: unknown,
    /** The server's stack trace, in dev only. */
    readonly serverStack?: string
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
