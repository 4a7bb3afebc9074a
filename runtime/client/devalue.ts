/** The two halves of devalue the browser needs, as one small chunk that rich-codec.ts loads on demand. */
export { stringify, unflatten } from 'devalue';
