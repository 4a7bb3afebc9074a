/**
 * The values of hot events travel to the overlay as the JSON text the server already made (to
 * count a call's bytes) when they are small and plain; anything else is previewed, so what is
 * sent stays bounded. The overlay shows both the same way.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../devtools-ui/data/preview-text.js';
import { expandPreview, packedPreview, PACKED_PREVIEW_CHARS, preview } from '../../runtime/devtools-wire/preview.js';
import { plainJson } from '../../runtime/protocol.js';

const packed = (value: unknown) => packedPreview(value, plainJson(value));

describe('packed previews', () => {
  it('sends a small plain value as its JSON text, shown as its preview', () => {
    const value = { id: 1, tags: ['a', 'b'], done: false, note: null };
    expect(packed(value)).toEqual({ t: 'json', v: JSON.stringify(value) });
    expect(expandPreview(packed(value))).toEqual(preview(value));
    expect(summarize(packed(value))).toBe(summarize(preview(value)));
  });

  it('previews a value JSON would not carry exactly, or one too long to send whole', () => {
    const rich = { at: new Date(0), big: 1n };
    expect(packed(rich)).toEqual(preview(rich));
    const long = 'x'.repeat(PACKED_PREVIEW_CHARS * 4);
    const sent = packed([long]);
    expect(sent.t).toBe('array');
    expect(JSON.stringify(sent).length).toBeLessThan(PACKED_PREVIEW_CHARS);
  });

  it('shows text that is not JSON as text, never failing the panel', () => {
    expect(expandPreview({ t: 'json', v: '{nope' })).toEqual({ t: 'str', v: '{nope' });
  });
});
