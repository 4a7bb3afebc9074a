import { live } from '../../../../../runtime/server/index.js';

let ticks = 0;

/** Every ten seconds: the number of runs so far. */
export const tick = live.cron('*/10 * * * * *', 'ticks', () => ++ticks);

export const latestTick = live.stream('ticks', () => ticks, { merge: 'set' });
