/**
 * EventBridge event-pattern matching, in process, for the local platform: the rules CDK synthesizes are
 * matched here exactly as the bus would match them, so a local run routes events the way the cloud does.
 *
 * Semantics (AWS EventBridge user guide, "Creating event patterns", "Comparison operators", "Matching
 * events on null values and empty strings", "arrays"; aws/event-ruler README, the engine behind it):
 * - every field named in the pattern must match (AND); a field matches if ANY of its listed values or
 *   operators matches (OR); `$or` lists alternative sub-patterns over the same object;
 * - a pattern field whose value is an object matches a nested object in the event; an array in the event
 *   matches if any element matches (at the leaves: the intersection is not empty; for nested objects: one
 *   element must match the whole sub-pattern, Ruler's "array-consistent" matching);
 * - a field that is missing, or holds an object, has no value at the leaf: only `exists: false` matches it
 *   (exists works on leaves only); `null` and `""` are values and are distinct;
 * - prefix, suffix, equals-ignore-case and wildcard match strings only; numeric matches JSON numbers only;
 *   an exact value matches the same JSON type (the string "5" never matches the number 5);
 * - anything-but matches a present leaf value that its inner matcher (values, prefix, suffix,
 *   equals-ignore-case or wildcard) does not match.
 *
 * Patterns are compiled once and checked whole: an operator this matcher does not implement (cidr, for
 * one) or a malformed pattern throws, so a rule can never silently fail to match locally.
 */

export type EventPattern = { readonly [field: string]: unknown };

/** A pattern checked and compiled once; `matches` runs it against an event (any JSON value). */
export interface CompiledEventPattern {
  readonly pattern: EventPattern;
  matches(event: unknown): boolean;
}

export class EventPatternError extends Error {
  constructor(path: readonly string[], problem: string) {
    super(`event pattern at ${path.length === 0 ? '(root)' : path.join('.')}: ${problem}`);
    this.name = 'EventPatternError';
  }
}

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

/** One entry of a field's value list: a test on each leaf value, or a test on whether there is any. */
type FieldCondition = { readonly kind: 'value'; readonly test: LeafTest } | { readonly kind: 'exists'; readonly expected: boolean };

interface ObjectMatcher {
  readonly leafFields: ReadonlyArray<{ readonly name: string; readonly conditions: readonly FieldCondition[] }>;
  readonly nestedFields: ReadonlyArray<{ readonly name: string; readonly matcher: ObjectMatcher }>;
  /** Each group is one `$or`: at least one alternative must match. */
  readonly orGroups: ReadonlyArray<readonly ObjectMatcher[]>;
}

const SUPPORTED_OPERATORS = ['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'equals-ignore-case', 'wildcard'];

export function compileEventPattern(pattern: unknown): CompiledEventPattern {
  if (!isPlainObject(pattern)) throw new EventPatternError([], 'a pattern must be a JSON object');
  const root = compileObject(pattern, []);
  return { pattern, matches: (event) => isPlainObject(event) && matchObject(root, event) };
}

/** Convenience for one-off checks; compile once with `compileEventPattern` when matching many events. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern).matches(event);
}

function compileObject(pattern: { readonly [field: string]: unknown }, path: readonly string[]): ObjectMatcher {
  const leafFields: Array<{ name: string; conditions: FieldCondition[] }> = [];
  const nestedFields: Array<{ name: string; matcher: ObjectMatcher }> = [];
  const orGroups: ObjectMatcher[][] = [];
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new EventPatternError(path, 'an object in a pattern must name at least one field');
  for (const [name, value] of entries) {
    const fieldPath = [...path, name];
    if (name === '$or') orGroups.push(compileOr(value, fieldPath));
    else if (Array.isArray(value)) leafFields.push({ name, conditions: compileValueList(value, fieldPath) });
    else if (isPlainObject(value)) nestedFields.push({ name, matcher: compileObject(value, fieldPath) });
    else throw new EventPatternError(fieldPath, `expected an array of values or a nested object, got ${JSON.stringify(value)}`);
  }
  return { leafFields, nestedFields, orGroups };
}

function compileOr(value: unknown, path: readonly string[]): ObjectMatcher[] {
  // Ruler only reads `$or` as OR when it holds two or more objects; anything else would be taken as a
  // field literally named "$or", which is never what a Propdesk rule means.
  if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
    throw new EventPatternError(path, '$or must be an array of at least two pattern objects');
  }
  return value.map((alternative, index) => compileObject(alternative, [...path, String(index)]));
}

function compileValueList(values: readonly unknown[], path: readonly string[]): FieldCondition[] {
  if (values.length === 0) throw new EventPatternError(path, 'a value list must not be empty (it would match nothing)');
  return values.map((value): FieldCondition => {
    if (isLeaf(value)) return { kind: 'value', test: exactTest(value) };
    if (isPlainObject(value)) return compileOperator(value, path);
    throw new EventPatternError(path, `unsupported value ${JSON.stringify(value)} in a value list`);
  });
}

function compileOperator(operator: { readonly [key: string]: unknown }, path: readonly string[]): FieldCondition {
  const [name, ...others] = Object.keys(operator);
  if (name === undefined || others.length > 0) {
    throw new EventPatternError(path, `an operator object must hold exactly one operator, got ${JSON.stringify(operator)}`);
  }
  const argument = operator[name];
  const operatorPath = [...path, name];
  switch (name) {
    case 'exists':
      if (typeof argument !== 'boolean') throw new EventPatternError(operatorPath, 'exists takes true or false');
      return { kind: 'exists', expected: argument };
    case 'anything-but':
      return { kind: 'value', test: negate(anythingButInner(argument, operatorPath)) };
    case 'numeric':
      return { kind: 'value', test: numericTest(argument, operatorPath) };
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      return { kind: 'value', test: stringTest(name, argument, operatorPath) };
    default:
      throw new EventPatternError(
        operatorPath,
        `operator "${name}" is not supported by the local matcher (supported: ${SUPPORTED_OPERATORS.join(', ')}, exact values, $or)`,
      );
  }
}

/** What anything-but excludes: a value, a list of values, or one string operator. */
function anythingButInner(argument: unknown, path: readonly string[]): LeafTest {
  if (isLeaf(argument) && argument !== null && typeof argument !== 'boolean') return exactTest(argument);
  if (Array.isArray(argument)) {
    const allStrings = argument.every((item) => typeof item === 'string');
    const allNumbers = argument.every((item) => typeof item === 'number');
    if (argument.length === 0 || !(allStrings || allNumbers)) {
      throw new EventPatternError(path, 'anything-but takes a non-empty list of only strings or only numbers');
    }
    const tests = (argument as Leaf[]).map(exactTest);
    return (value) => tests.some((test) => test(value));
  }
  if (isPlainObject(argument)) {
    const [name, ...others] = Object.keys(argument);
    if (name === undefined || others.length > 0) throw new EventPatternError(path, 'anything-but takes exactly one inner operator');
    if (name === 'prefix' || name === 'suffix' || name === 'equals-ignore-case' || name === 'wildcard') {
      // Inside anything-but each of these may also be given a list of strings: exclude any of them.
      const inner = argument[name];
      const tests = (Array.isArray(inner) ? inner : [inner]).map((item) => stringTest(name, item, [...path, name]));
      return (value) => tests.some((test) => test(value));
    }
    throw new EventPatternError([...path, name], `anything-but does not support "${name}" (prefix, suffix, equals-ignore-case, wildcard)`);
  }
  throw new EventPatternError(path, `anything-but cannot take ${JSON.stringify(argument)}`);
}

/** prefix / suffix (optionally `{ "equals-ignore-case": s }`), equals-ignore-case, wildcard: strings only. */
function stringTest(name: 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard', argument: unknown, path: readonly string[]): LeafTest {
  if ((name === 'prefix' || name === 'suffix') && isPlainObject(argument)) {
    const keys = Object.keys(argument);
    const folded = argument['equals-ignore-case'];
    if (keys.length !== 1 || typeof folded !== 'string') {
      throw new EventPatternError(path, `${name} takes a string or { "equals-ignore-case": string }`);
    }
    const needle = foldCase(folded);
    return name === 'prefix'
      ? (value) => typeof value === 'string' && foldCase(value).startsWith(needle)
      : (value) => typeof value === 'string' && foldCase(value).endsWith(needle);
  }
  if (typeof argument !== 'string') throw new EventPatternError(path, `${name} takes a string`);
  switch (name) {
    case 'prefix':
      return (value) => typeof value === 'string' && value.startsWith(argument);
    case 'suffix':
      return (value) => typeof value === 'string' && value.endsWith(argument);
    case 'equals-ignore-case': {
      const needle = foldCase(argument);
      return (value) => typeof value === 'string' && foldCase(value) === needle;
    }
    case 'wildcard': {
      const regex = wildcardRegex(argument, path);
      return (value) => typeof value === 'string' && regex.test(value);
    }
  }
}

/**
 * `*` matches any run of characters; `\*` is a literal asterisk and `\\` a literal backslash. Ruler refuses
 * consecutive wildcards and a backslash before any other character, and so does this.
 */
function wildcardRegex(wildcard: string, path: readonly string[]): RegExp {
  let source = '';
  for (let index = 0; index < wildcard.length; index += 1) {
    const char = wildcard.charAt(index);
    if (char === '\\') {
      const escaped = wildcard.charAt(index + 1);
      if (escaped !== '*' && escaped !== '\\') {
        throw new EventPatternError(path, `wildcard "${wildcard}": a backslash may only escape * or \\`);
      }
      source += escapeRegex(escaped);
      index += 1;
    } else if (char === '*') {
      if (wildcard.charAt(index + 1) === '*') throw new EventPatternError(path, `wildcard "${wildcard}": consecutive * are not allowed`);
      source += '.*';
    } else {
      source += escapeRegex(char);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

/** `["=", n]`, or one lower and/or one upper bound: `[">", 0, "<=", 5]`. JSON numbers only. */
function numericTest(argument: unknown, path: readonly string[]): LeafTest {
  const invalid = () => new EventPatternError(path, `numeric takes ["=", n] or up to one lower (>, >=) and one upper (<, <=) bound, got ${JSON.stringify(argument)}`);
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0 || argument.length > 4) throw invalid();
  const comparisons: Array<{ operator: string; bound: number }> = [];
  for (let index = 0; index < argument.length; index += 2) {
    const operator: unknown = argument[index];
    const bound: unknown = argument[index + 1];
    if (typeof operator !== 'string' || typeof bound !== 'number' || !Number.isFinite(bound)) throw invalid();
    comparisons.push({ operator, bound });
  }
  const operators = comparisons.map((comparison) => comparison.operator);
  const isEquality = operators.length === 1 && operators[0] === '=';
  const lowerCount = operators.filter((operator) => LOWER_BOUNDS.has(operator)).length;
  const upperCount = operators.filter((operator) => UPPER_BOUNDS.has(operator)).length;
  if (!isEquality && (lowerCount > 1 || upperCount > 1 || lowerCount + upperCount !== operators.length)) throw invalid();
  return (value) =>
    typeof value === 'number' &&
    comparisons.every(({ operator, bound }) => {
      switch (operator) {
        case '=':
          return value === bound;
        case '>':
          return value > bound;
        case '>=':
          return value >= bound;
        case '<':
          return value < bound;
        default:
          return value <= bound;
      }
    });
}

function exactTest(expected: Leaf): LeafTest {
  return (value) => value === expected;
}

function negate(test: LeafTest): LeafTest {
  return (value) => !test(value);
}

function matchObject(matcher: ObjectMatcher, object: { readonly [field: string]: unknown }): boolean {
  return (
    matcher.leafFields.every(({ name, conditions }) => matchLeafField(conditions, leafValues(ownField(object, name)))) &&
    matcher.nestedFields.every(({ name, matcher: nested }) => matchNestedField(nested, ownField(object, name))) &&
    matcher.orGroups.every((alternatives) => alternatives.some((alternative) => matchObject(alternative, object)))
  );
}

function matchLeafField(conditions: readonly FieldCondition[], values: readonly Leaf[]): boolean {
  return conditions.some((condition) =>
    condition.kind === 'exists' ? values.length > 0 === condition.expected : values.some(condition.test),
  );
}

/** A nested pattern is tried against each object the field holds; with none, against an empty object, so
 * that `exists: false` below a missing parent still matches. */
function matchNestedField(matcher: ObjectMatcher, value: unknown): boolean {
  const objects = flatten(value).filter(isPlainObject);
  return objects.length === 0 ? matchObject(matcher, {}) : objects.some((object) => matchObject(matcher, object));
}

/** The leaf values a field holds: itself, or the leaves of a (nested) array; objects are not leaves. */
function leafValues(value: unknown): Leaf[] {
  return flatten(value).filter(isLeaf);
}

/** Only the event's own fields: a pattern field named "constructor" must not find Object.prototype's. */
function ownField(object: { readonly [field: string]: unknown }, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is { readonly [field: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
