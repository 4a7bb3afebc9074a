/** A value, or a promise of it: what a user's handler, hook or check may return. */
export type Awaitable<T> = T | Promise<T>;
