import { AjvCompiler } from '@fastify/ajv-compiler';

type Compile = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => Validator;
type BuildCompiler = (externalSchemas: unknown, options: unknown) => Compile;
type Validator = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's own Ajv validator compiler, deferred: a route's request schema is compiled the
 * first time a request reaches that route, not while the server starts. The API declares
 * some 500 routes and a process answers a handful of them (a fleet worker's server, a
 * test's, a laptop session), so compiling every one up front cost most of a second of
 * start-up for validators that were never called. Validation itself is unchanged: the
 * same compiler, the same options, the same errors (`.errors` is copied from the compiled
 * function after each call).
 *
 * Used as `schemaController.compilersFactory.buildValidator`; `build` is the compiler it defers
 * (Fastify's Ajv one).
 */
export function lazyValidatorFactory(build: BuildCompiler = AjvCompiler() as unknown as BuildCompiler): BuildCompiler {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => deferred(() => compile(route));
  };
}

function deferred(compile: () => Validator): Validator {
  let validate: Validator | undefined;
  const lazy: Validator = (data, context) => {
    validate ??= compile();
    // Fastify passes the parent only to functions with `schemaEnv` (Ajv's), so that a
    // coerced root value lands on the request; pass it on only where Ajv's would take it.
    const result = validate.schemaEnv ? validate(data, context) : validate(data);
    lazy.errors = validate.errors;
    return result;
  };
  // Truthy, so Fastify hands over the parent data that an Ajv function may need.
  lazy.schemaEnv = true;
  return lazy;
}
