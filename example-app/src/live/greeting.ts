import { live } from 'svelte-realtime/server';

// Edit the text below while `npm run dev` runs and press "Greet" again: the server runs the
// new code at once, with no restart and no page reload (the e2e suite does exactly this).
export const greeting = live(async (_ctx, name: string) => `Hello, ${name}!`);
