/**
 * devalue, the codec for values JSON cannot carry (Date, Map, Set, BigInt, undefined, shared
 * and cyclic references). Most frames are plain JSON, so the browser loads it only when a frame
 * first needs it, and pages that never send or receive such a value never download it.
 */
type Devalue = typeof import('./devalue.js');

let codec: Devalue | undefined;
let loading: Promise<Devalue> | undefined;

/** devalue, once loaded. */
export function richCodec(): Devalue | undefined {
  return codec;
}

/** Loads devalue once; after a failed load the next call tries again. */
export function loadRichCodec(): Promise<Devalue> {
  return (loading ??= import('./devalue.js').then(
    (module) => (codec = module),
    (error: unknown) => {
      loading = undefined;
      throw error;
    }
  ));
}
