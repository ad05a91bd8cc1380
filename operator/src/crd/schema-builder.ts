/**
 * A small typed builder for structural OpenAPI v3 schemas, so a CRD's schema
 * is written once: the TypeScript types are inferred from it (`Infer` for
 * objects as the API server returns them, defaults applied; `InferInput` for
 * what a user may write), the CRD YAML and the reference docs are generated
 * from it, and `applyDefaults` defaults a value the way the API server does.
 */

/** The subset of `JSONSchemaProps` the builders emit. */
export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  default?: unknown;
  enum?: readonly (string | number)[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema;
  required?: string[];
  anyOf?: OpenApiSchema[];
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: Validation[];
}

/** A CEL rule (`x-kubernetes-validations`). */
export interface Validation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * A schema node. `Out` is the value's type once defaulted, `In` the type a
 * user may write, `D` whether the node has a default (so its field is
 * optional on input and present on output).
 */
export interface Schema<Out, In = Out, D extends boolean = boolean> {
  readonly openApi: OpenApiSchema;
  readonly hasDefault: D;
  /** Phantom fields carrying the types; never set. */
  readonly __out?: Out;
  readonly __in?: In;
  /** Fills defaults into `value` (which may be undefined), like the API server. */
  applyDefaults(value: unknown): unknown;
}

/** Any schema node. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySchema = Schema<any, any>;

/** The defaulted type of a schema. */
export type Infer<S> = S extends Schema<infer O, unknown> ? O : never;
/** The type a user may write for a schema. */
export type InferInput<S> = S extends Schema<unknown, infer I> ? I : never;

type Props = Record<string, AnySchema>;
type Defaulted<P extends Props, R extends string> = {
  [K in keyof P]: K extends R ? true : P[K] extends Schema<unknown, unknown, true> ? true : false
};
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjOut<P extends Props, R extends string> = Simplify<
  { [K in keyof P as Defaulted<P, R>[K] extends true ? K : never]: Infer<P[K]> } &
  { [K in keyof P as Defaulted<P, R>[K] extends true ? never : K]?: Infer<P[K]> }
>;
type ObjIn<P extends Props, R extends string> = Simplify<
  { [K in keyof P as K extends R ? K : never]: InferInput<P[K]> } &
  { [K in keyof P as K extends R ? never : K]?: InferInput<P[K]> }
>;

interface Common<T> {
  description: string;
  default?: T;
}

function leaf<Out, In, D extends boolean>(openApi: OpenApiSchema, hasDefault: D): Schema<Out, In, D> {
  return {
    openApi,
    hasDefault,
    applyDefaults: (v) => (v === undefined ? clone(openApi.default) : v),
  };
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

type HasDefault<O> = O extends { default: unknown } ? true : false;

/** A string; `enum` narrows the type to its members. */
function string<const E extends readonly string[] = readonly string[], O extends Common<E[number]> = Common<E[number]>>(
  opts: O & { enum?: E; pattern?: string; format?: string; minLength?: number; maxLength?: number },
): Schema<E[number], E[number], HasDefault<O>> {
  const { enum: values, ...rest } = opts;
  const openApi: OpenApiSchema = { type: 'string', ...rest };
  if (values) openApi.enum = values;
  return leaf(openApi, ('default' in opts) as HasDefault<O>);
}

/** An integer (int64 by default, `format: int32` when bounded that way). */
function integer<O extends Common<number>>(opts: O & { minimum?: number; maximum?: number; format?: 'int32' | 'int64' }): Schema<number, number, HasDefault<O>> {
  return leaf({ type: 'integer', ...opts }, ('default' in opts) as HasDefault<O>);
}

/** A floating-point number. */
function number<O extends Common<number>>(opts: O & { minimum?: number; maximum?: number }): Schema<number, number, HasDefault<O>> {
  return leaf({ type: 'number', ...opts }, ('default' in opts) as HasDefault<O>);
}

/** A boolean. */
function boolean<O extends Common<boolean>>(opts: O): Schema<boolean, boolean, HasDefault<O>> {
  return leaf({ type: 'boolean', ...opts }, ('default' in opts) as HasDefault<O>);
}

/** A Kubernetes quantity (`512Mi`, `0.5`, `250m`): int-or-string. */
function quantity<O extends Common<string>>(opts: O): Schema<string | number, string | number, HasDefault<O>> {
  return leaf({
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
    pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
    ...opts,
  }, ('default' in opts) as HasDefault<O>);
}

/** A list. `maxItems` is required: CEL cost estimation needs a bound. */
function array<S extends AnySchema, O extends Common<Infer<S>[]>>(
  items: S, opts: O & { maxItems: number; minItems?: number; listType?: 'atomic' | 'set' | 'map'; listMapKeys?: string[] },
): Schema<Infer<S>[], InferInput<S>[], HasDefault<O>> {
  const { listType, listMapKeys, ...rest } = opts;
  const openApi: OpenApiSchema = { type: 'array', ...rest, items: items.openApi };
  if (listType) openApi['x-kubernetes-list-type'] = listType;
  if (listMapKeys) openApi['x-kubernetes-list-map-keys'] = listMapKeys;
  return {
    openApi,
    hasDefault: ('default' in opts) as HasDefault<O>,
    applyDefaults: (v) => {
      const list = v === undefined ? clone(opts.default) : v;
      return Array.isArray(list) ? list.map((x) => items.applyDefaults(x)) : list;
    },
  };
}

/** A string-keyed map of one value type. */
function map<S extends AnySchema, O extends Common<Record<string, Infer<S>>>>(
  values: S, opts: O & { maxProperties: number },
): Schema<Record<string, Infer<S>>, Record<string, InferInput<S>>, HasDefault<O>> {
  return leaf<Record<string, Infer<S>>, Record<string, InferInput<S>>, HasDefault<O>>(
    { type: 'object', ...opts, additionalProperties: values.openApi }, ('default' in opts) as HasDefault<O>,
  );
}

/** An object whose fields the API server keeps without validation (embedded Kubernetes types). */
function opaque<O extends Common<Record<string, unknown>>>(opts: O): Schema<Record<string, unknown>, Record<string, unknown>, HasDefault<O>> {
  return leaf({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...opts }, ('default' in opts) as HasDefault<O>);
}

/** An object with known fields; `required` fields are mandatory on input. */
function object<P extends Props, const R extends readonly (keyof P & string)[] = [], O extends Common<Record<string, never>> = Common<Record<string, never>>>(
  props: P, opts: O & { required?: R; validations?: Validation[] },
): Schema<ObjOut<P, R[number]>, ObjIn<P, R[number]>, HasDefault<O>> {
  const { required, validations, ...rest } = opts;
  const properties: Record<string, OpenApiSchema> = {};
  for (const [k, s] of Object.entries(props)) properties[k] = s.openApi;
  const fill = (value: unknown): unknown => {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [k, s] of Object.entries(props)) {
      const d = s.applyDefaults(out[k]);
      if (d !== undefined) out[k] = d;
    }
    return out;
  };
  const openApi: OpenApiSchema = { type: 'object', ...rest, properties };
  // The API server checks CEL rules against a default as written, before the
  // fields' own defaults apply, so an object default is emitted fully filled.
  if ('default' in opts) openApi.default = fill(clone(opts.default));
  if (required?.length) openApi.required = [...required];
  if (validations?.length) openApi['x-kubernetes-validations'] = validations;
  return {
    openApi,
    hasDefault: ('default' in opts) as HasDefault<O>,
    applyDefaults: (v) => fill(v === undefined ? clone(openApi.default) : v),
  };
}

/** The schema builders. */
export const s = { string, integer, number, boolean, quantity, array, map, opaque, object };
