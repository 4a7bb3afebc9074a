// See https://svelte.dev/docs/kit/types#app.d.ts
import type { User } from '$lib/server/sessions';

declare global {
  namespace App {
    interface Locals {
      user: User | null;
    }
  }
}

// ctx.user in every live handler, and what src/hooks.ws.ts returns.
declare module 'svelte-realtime/server' {
  interface Register {
    user: User | null;
  }
}

export {};
