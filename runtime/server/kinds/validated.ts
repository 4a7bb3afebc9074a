/**
 * `live.validated(schema, fn)`: an RPC whose one argument is checked by a Standard Schema
 * (Zod, Valibot, ArkType... anything with `~standard`) before `fn` runs. Invalid input is
 * refused with `VALIDATION`, the issues in `details`; `fn` receives the schema's output.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Awaitable } from '../../awaitable.js';
import type { LiveContext } from '../context.js';
import { LiveError } from '../errors.js';
import { HANDLER, requireFunction } from '../handler-tag.js';
import type { LiveFunction } from '../handlers.js';

/** One validation issue as the client receives it: a message and where in the input. */
export interface ValidationIssue {
  message: string;
  /** Keys from the argument's root to the offending value; empty for the value itself. */
  path: (string | number)[];
}

export const VALIDATION = 'VALIDATION';

function pathOf(issue: StandardSchemaV1.Issue): (string | number)[] {
  return (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
}

/** Checks `value` against `schema`; throws LiveError('VALIDATION') with the issues. */
export async function validate<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (!result.issues) return result.value as StandardSchemaV1.InferOutput<S>;
  const issues: ValidationIssue[] = result.issues.map((issue) => ({ message: issue.message, path: pathOf(issue) }));
  const first = issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  throw new LiveError(VALIDATION, first ? `Invalid input${where}: ${first.message}` : 'Invalid input', issues);
}

export function validated<S extends StandardSchemaV1, Result>(
  schema: S,
  fn: (ctx: LiveContext, input: StandardSchemaV1.InferOutput<S>) => Awaitable<Result>
): LiveFunction<[input: StandardSchemaV1.InferInput<S>], Result> {
  if (typeof schema !== 'object' || schema === null || typeof schema['~standard']?.validate !== 'function') {
    throw new TypeError('live.validated(schema, fn): schema must be a Standard Schema (Zod, Valibot, ArkType...) with a ~standard property');
  }
  requireFunction(fn, 'live.validated(schema, fn): fn');
  return {
    [HANDLER]: 'live',
    async fn(ctx: LiveContext, ...args: unknown[]) {
      if (args.length !== 1) throw new LiveError(VALIDATION, `Expected one argument, got ${args.length}`, [{ message: 'Expected one argument', path: [] }]);
      return fn(ctx, await validate(schema, args[0]));
    }
  };
}
