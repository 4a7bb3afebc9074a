/**
 * Bounds on a devalue frame, read from its index table before devalue builds anything from it.
 *
 * A devalue frame is a JSON array of entries; an entry is a primitive, or an array or object
 * whose members are indexes of other entries (devalue's `stringify`). Two things in it cost far
 * more than their bytes once materialised, so both are measured here, on the table:
 *
 * - Length claims. A sparse array `[-7, length, index, value...]` declares its length, up to
 *   2^32 - 1, in a dozen bytes, and whatever walks it (a schema, `String()`) walks every slot.
 *   A BigInt's digits cost more than linear time to convert. Sparse arrays may together claim no
 *   more slots than the frame has characters (a dense array could not have been sent longer),
 *   and a BigInt has at most MAX_BIGINT_DIGITS characters.
 * - Nesting. Entries may share and cycle, so the nesting of a value is the longest chain of
 *   objects a walk of it can follow. It is computed once for every entry, in time linear in the
 *   table: objects that reach each other (a cycle) are taken together and count each of them
 *   once (Tarjan's strongly connected components, iteratively, so a chain as long as the frame
 *   costs no stack).
 */

/** devalue's markers: a negative index stands for a value with no entry of its own. */
const SPARSE = -7;
/** A BigInt's decimal digits are converted in more than linear time: 2048 digits cost microseconds. */
export const MAX_BIGINT_DIGITS = 2048;
/**
 * The height given to an entry whose length claim is over its bound: larger than any chain a
 * table can hold, so it marks every entry that reaches it.
 */
export const OVERSIZED = 2 ** 30;

/** How an entry holds its members: none (a primitive, or an object with nothing inside), or from `start` by `step`. */
const PRIMITIVE = -1;
const LEAF = -2;

/**
 * Where the members (indexes of other entries) of an array entry start: PRIMITIVE for a BigInt
 * (not an object once revived, so it adds nothing to a chain), LEAF for the objects devalue
 * revives with nothing inside (Date, RegExp, URL, typed arrays, boxed primitives...).
 */
function arrayStart(entry: readonly unknown[]): number {
  const tag = entry[0];
  if (tag === SPARSE) return 3;
  if (typeof tag !== 'string') return 0;
  if (tag === 'Set' || tag === 'Map') return 1;
  // ["null", key, value, key, value...]: the keys are strings in the entry itself.
  if (tag === 'null') return 2;
  return tag === 'BigInt' ? PRIMITIVE : LEAF;
}

/** Steps between members: a sparse array and a null-prototype object alternate with keys or positions. */
function arrayStep(entry: readonly unknown[]): number {
  return entry[0] === SPARSE || entry[0] === 'null' ? 2 : 1;
}

/** Whether the entry claims more than the frame can pay for; `budget` holds the sparse slots left. */
function claimsTooMuch(entry: unknown, budget: { slots: number }): boolean {
  if (!Array.isArray(entry)) return false;
  if (entry[0] === SPARSE) {
    const length = entry[1];
    if (typeof length !== 'number') return false;
    budget.slots -= length;
    return budget.slots < 0;
  }
  return entry[0] === 'BigInt' && typeof entry[1] === 'string' && entry[1].length > MAX_BIGINT_DIGITS;
}

/**
 * The members of every entry as one list of indexes, entry by entry (`first[i]` to
 * `first[i + 1]`), and which entries are objects once revived. Reading the table once into flat
 * arrays keeps the walk below free of allocations.
 */
function readMembers(table: readonly unknown[]): { first: Int32Array; members: Int32Array; objects: Uint8Array } {
  const count = table.length;
  const first = new Int32Array(count + 1);
  const objects = new Uint8Array(count);
  const list: number[] = [];
  for (let i = 0; i < count; i++) {
    first[i] = list.length;
    const entry = table[i];
    if (typeof entry !== 'object' || entry === null) continue;
    let array: readonly unknown[];
    let start = 0;
    let step = 1;
    if (Array.isArray(entry)) {
      start = arrayStart(entry);
      if (start === PRIMITIVE) continue;
      objects[i] = 1;
      if (start === LEAF) continue;
      step = arrayStep(entry);
      array = entry;
    } else {
      objects[i] = 1;
      array = Object.values(entry);
    }
    for (let p = start; p < array.length; p += step) {
      const member = array[p];
      if (typeof member === 'number' && Number.isInteger(member) && member >= 0 && member < count) list.push(member);
    }
  }
  first[count] = list.length;
  return { first, members: Int32Array.from(list), objects };
}

/**
 * The height of each entry of `table`: 0 for a primitive, else the number of objects on the
 * longest chain a walk from it can follow (a cycle's objects counted once each), or at least
 * OVERSIZED when it reaches an entry whose length claim the frame cannot pay for.
 * `frameLength` is the frame's length in characters: the sparse slots all entries may claim.
 */
export function entryHeights(table: readonly unknown[], frameLength: number): Int32Array {
  const count = table.length;
  const { first, members, objects } = readMembers(table);
  const heights = new Int32Array(count);
  const budget = { slots: frameLength };
  const oversized = new Uint8Array(count);
  for (let i = 0; i < count; i++) if (claimsTooMuch(table[i], budget)) oversized[i] = 1;

  // Tarjan's algorithm with explicit stacks. `order[i]` is 1 + the visit number (0: not yet
  // visited), `low[i]` the lowest visit number reachable; `open` holds visited entries whose
  // group is not closed yet; `walk` the path being followed, `cursor` where in each entry's
  // members it is.
  const order = new Int32Array(count);
  const low = new Int32Array(count);
  const isOpen = new Uint8Array(count);
  const open = new Int32Array(count);
  const walk = new Int32Array(count);
  const cursor = new Int32Array(count);
  let openTop = 0;
  let walkTop = 0;
  let visits = 0;

  for (let root = 0; root < count; root++) {
    if (order[root] !== 0) continue;
    order[root] = low[root] = ++visits;
    open[openTop++] = root;
    isOpen[root] = 1;
    walk[walkTop++] = root;
    cursor[root] = first[root]!;
    while (walkTop > 0) {
      const node = walk[walkTop - 1]!;
      if (cursor[node]! < first[node + 1]!) {
        const child = members[cursor[node]++]!;
        if (order[child] === 0) {
          order[child] = low[child] = ++visits;
          open[openTop++] = child;
          isOpen[child] = 1;
          walk[walkTop++] = child;
          cursor[child] = first[child]!;
        } else if (isOpen[child] === 1 && order[child]! < low[node]!) {
          low[node] = order[child]!;
        }
        continue;
      }
      walkTop--;
      if (walkTop > 0) {
        const parent = walk[walkTop - 1]!;
        if (low[node]! < low[parent]!) low[parent] = low[node]!;
      }
      if (low[node] !== order[node]) continue;
      // `node` closes a group of entries that reach each other, open from `bottom` up;
      // everything they reach outside the group is done. The group's own members have no
      // height yet (0): the group counts them instead.
      let bottom = openTop - 1;
      while (open[bottom] !== node) bottom--;
      let groupObjects = 0;
      let below = 0;
      for (let k = bottom; k < openTop; k++) {
        const m = open[k]!;
        groupObjects += objects[m]!;
        if (oversized[m] === 1) below = OVERSIZED;
        for (let p = first[m]!; p < first[m + 1]!; p++) if (heights[members[p]!]! > below) below = heights[members[p]!]!;
      }
      const height = Math.min(groupObjects + below, OVERSIZED + count);
      for (let k = bottom; k < openTop; k++) {
        heights[open[k]!] = height;
        isOpen[open[k]!] = 0;
      }
      openTop = bottom;
    }
  }
  return heights;
}
