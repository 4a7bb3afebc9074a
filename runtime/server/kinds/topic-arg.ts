/**
 * The topic argument of subscribable kinds (`live.stream`, `live.channel`), typed for one
 * signature per kind: a name, or a function of the subscriber's arguments.
 *
 * `never[]` accepts any such function and, when a call does not type-check, leaves the other
 * arguments' types open, so the compiler reports the mistake where it is (a misspelled
 * option) rather than on the topic.
 */
import type { LiveContext } from '../context.js';

export type TopicArg = string | ((ctx: LiveContext, ...args: never[]) => string);
/** The subscriber's arguments a topic takes: none for a name. */
export type TopicArgs<Topic> = [Topic] extends [string] ? [] : Topic extends (ctx: LiveContext, ...args: infer Args) => string ? Args : never;
/** True for a topic that is a function of the arguments (one store per argument list). */
export type IsDynamic<Topic> = Topic extends string ? false : true;
/** `Options` with no key beyond `Known`'s: `{ mrege: 'crud' }` is an error on `mrege`. */
export type ExactOptions<Options, Known> = { [Key in keyof Options]: Key extends keyof Known ? Options[Key] : never };
