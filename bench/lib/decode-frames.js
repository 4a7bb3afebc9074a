/**
 * Frames of one size and many shapes for the decode suite: a plain string (the reference) and
 * the shapes that cost a server most per byte to read: nesting, containers packed side by side,
 * numbers, devalue tables with long or shared chains, sparse-array and BigInt length claims,
 * and a frame holding as many containers and values as the default limits let through.
 * Each is a call to `bench/ok`, which answers 'ok' whatever its arguments, or is refused.
 */

const call = (args) => `[1,{"t":"call","id":1,"path":"bench/ok","args":[${args}]}]`;
const room = (size) => size - call('').length;

/** `item` repeated (comma separated) to fill `size` characters. */
function packed(size, item, open = '[', close = ']') {
  const count = Math.floor((room(size) - 2) / (item.length + 1));
  return call(open + Array(count).fill(item).join(',') + close);
}

function nested(size, open, leaf, close) {
  const levels = Math.floor((room(size) - leaf.length) / (open.length + close.length));
  return call(open.repeat(levels) + leaf + close.repeat(levels));
}

/** A devalue table of `[1, { t: 'call', id: 1, path: 'bench/ok', args: entry 6 }]`, `entries` from entry 6 on. */
function table(entries) {
  return `[[1,2],1,{"t":3,"id":4,"path":5,"args":6},"call",1,"bench/ok",${entries.join(',')}]`;
}

/** Entries from 6 on, `make(index)` each, until the table is `size` characters long. */
function fillTable(size, make, last = '[]') {
  const entries = [];
  let length = table([last]).length;
  for (let index = 6; ; index++) {
    const entry = make(index);
    if (length + entry.length + 1 > size) break;
    entries.push(entry);
    length += entry.length + 1;
  }
  entries.push(last);
  return table(entries);
}

export const SHAPES = {
  'plain string': (size) => call(JSON.stringify('x'.repeat(room(size) - 2))),
  'nested arrays [[[...]]]': (size) => nested(size, '[', '', ']'),
  'nested objects {"a":{"a":...}}': (size) => nested(size, '{"a":', '1', '}'),
  'packed empty arrays [[],[],...]': (size) => packed(size, '[]'),
  'packed [[]],[[]],...': (size) => packed(size, '[[]]'),
  'packed empty objects [{},{},...]': (size) => packed(size, '{}'),
  'flat numbers [0,0,...]': (size) => packed(size, '0'),
  'at the default limits: 32 764 arrays, 212 000 numbers, a string': (size) => {
    const items = `${Array(16_382).fill('[[]]').join(',')},${Array(212_000).fill('0').join(',')}`;
    return call(`${items},${JSON.stringify('x'.repeat(room(size) - items.length - 4))}`);
  },
  'devalue chain of arrays': (size) => fillTable(size, (index) => `[${index + 1}]`),
  'devalue shared chain x3': (size) => fillTable(size, (index) => `[${index + 1},${index + 1},${index + 1}]`),
  'devalue many refs to one array': (size) => {
    const count = Math.floor((size - table(['[]', '[]']).length) / 2);
    return table([`[${Array(count).fill(7).join(',')}]`, '[]']);
  },
  'devalue sparse arrays [-7,4294967295]': (size) => fillTable(size, () => '[-7,4294967295]', '[-7,1]'),
  'devalue BigInt digits': (size) => table([`["BigInt","${'9'.repeat(room(size) - 80)}"]`])
};
