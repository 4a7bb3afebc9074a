/**
 * Folding events into a keyed (crud) list, as a page's stream store does: what a burst costs
 * folded at once (one store update per animation frame) against the same events one at a time,
 * and what one event costs on a long list against a short one (the key index makes the search
 * O(1); what is left is the copy a new value needs). Pure CPU, no sockets: the fold runs in the
 * browser and, for `streamValues`, on the server.
 */
import { applyEvent, applyEvents } from '../../dist/runtime/merge.js';
import { median, row } from '../lib/stats.js';

const crud = { merge: 'crud', key: 'id', max: 50 };
const items = (n) => Array.from({ length: n }, (_, id) => ({ id, text: `item ${id}`, done: false }));
const updates = (n, round) => Array.from({ length: n }, (_, i) => ({ event: 'updated', data: { id: i, text: `item ${i}`, done: round % 2 === 0 } }));

/** How a keyed list was folded before the index: a search of the list for every event. */
function searched(list, event, data) {
  const index = list.findIndex((item) => item.id === data.id);
  if (index === -1) return [...list, data];
  const next = list.slice();
  next[index] = data;
  return next;
}

/** Median microseconds of `run()` over `rounds` rounds of `repeat` runs each. */
function time(run, rounds, repeat) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < repeat; i++) run(round * repeat + i);
    samples.push(((performance.now() - start) * 1000) / repeat);
  }
  return median(samples);
}

export default async function merge({ quick }) {
  const rounds = quick ? 2 : 25;
  const repeat = quick ? 2 : 20;
  const burst = 1000;

  // A burst of 1 000 updates into a 1 000-item list: one fold against 1 000 folds.
  let value = items(1000);
  const events = [0, 1].map((round) => updates(burst, round));
  time((i) => (value = applyEvents(value, events[i % 2], crud)), 2, repeat);
  const coalesced = time((i) => (value = applyEvents(value, events[i % 2], crud)), rounds, repeat);
  value = items(1000);
  const oneByOne = time(
    (i) => {
      for (const { event, data } of events[i % 2]) value = applyEvent(value, event, data, crud);
    },
    rounds,
    Math.max(1, repeat / 10)
  );

  // One event's share of a burst of 100, on a 1 000-item list against a 10-item list.
  const share = (size) => {
    let list = items(size);
    const bursts = [0, 1].map((round) => updates(100, round).map((e) => ({ event: e.event, data: { ...e.data, id: e.data.id % size } })));
    list = applyEvents(list, bursts[0], crud);
    return time((i) => (list = applyEvents(list, bursts[i % 2], crud)), rounds, repeat * 10) / 100;
  };
  const shareLong = share(1000);
  const shareShort = share(10);

  // One event alone (a frame with one event): the search is gone, the copy of the list stays.
  const lone = (size, fold) => {
    let list = applyEvent(items(size), 'updated', { id: 0, text: 'warm', done: true }, crud);
    return time((i) => (list = fold(list, 'updated', { id: i % size, text: 'x', done: i % 2 === 0 })), rounds, repeat * 50);
  };
  const loneLong = lone(1000, (list, event, data) => applyEvent(list, event, data, crud));
  const loneShort = lone(10, (list, event, data) => applyEvent(list, event, data, crud));
  const loneSearched = lone(1000, searched);

  return [
    row({
      name: 'Burst of 1 000 updates into a 1 000-item crud list, folded at once',
      value: coalesced,
      unit: 'µs',
      reference: 'the same 1 000 events folded one at a time',
      referenceValue: oneByOne,
      target: '<= 0.1',
      note: `one fold ${coalesced.toFixed(0)} µs against ${oneByOne.toFixed(0)} µs one at a time; median of ${rounds} rounds`
    }),
    row({
      name: "One event's cost within a burst, 1 000-item list",
      value: shareLong,
      unit: 'µs',
      reference: 'the same on a 10-item list',
      referenceValue: shareShort,
      target: '<= 2',
      note: `bursts of 100 updates; per event ${shareLong.toFixed(3)} µs (1 000 items) against ${shareShort.toFixed(3)} µs (10 items)`
    }),
    row({
      name: 'One event alone on a 1 000-item crud list (key index)',
      value: loneLong,
      unit: 'µs',
      reference: 'the same event with a search of the list, as before the index',
      referenceValue: loneSearched,
      target: '<= 1',
      note: `indexed ${loneLong.toFixed(2)} µs, searched ${loneSearched.toFixed(2)} µs, on a 10-item list ${loneShort.toFixed(3)} µs (${(loneLong / loneShort).toFixed(1)}x: the copy of the list a new value needs, O(n) by design)`
    })
  ];
}
