import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { eventContracts, renderContracts } from '../../events/contracts.js';
import { TradeEvent } from '../../shared/domain/events.js';
import { NewsCalendar } from '../../shared/domain/news.js';
import { Program } from '../../shared/domain/program.js';
import { BridgeAnswer, WorkflowEvent } from '../../shared/workflows/workflow-events.js';
import { presets } from '../../shared/presets/index.js';
import { DomainEvent } from '../../shared/stream/domain-events.js';

const schemasDirectory = new URL('../../events/schemas/', import.meta.url);
const samplesDirectory = new URL('../../events/samples/', import.meta.url);

const readJson = (url: URL): Record<string, unknown> => JSON.parse(readFileSync(url, 'utf8'));

// Consumers validate with the committed files, so those are what is checked here.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();
function validatorOf(file: string): ValidateFunction {
  let validate = validators.get(file);
  if (validate === undefined) {
    validate = ajv.compile(readJson(new URL(file, schemasDirectory)));
    validators.set(file, validate);
  }
  return validate;
}
const anyEvent = validatorOf('trade-event.schema.json');

const samples = readdirSync(samplesDirectory)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, payload: readJson(new URL(name, samplesDirectory)) }));

/** Does some error point at the field: a wrong value there, or the field missing? */
function namesField(errors: ErrorObject[] | null | undefined, field: string): boolean {
  return (errors ?? []).some((error) => error.instancePath === `/${field}` || error.params.missingProperty === field);
}

describe('the exported JSON Schemas', () => {
  it('are committed exactly as a fresh export renders them (run npm run events:export after changing a schema)', () => {
    // Subfolders too (abuse/): each file by its path under schemas/.
    const files = readdirSync(schemasDirectory, { recursive: true, encoding: 'utf8' }).map((name) => name.replaceAll('\\', '/')).filter((name) => name.endsWith('.json'));
    const committed = new Map(files.map((name) => [name, readFileSync(new URL(name, schemasDirectory), 'utf8')]));
    expect(committed).toEqual(renderContracts());
  });

  it('accept every preset program', () => {
    const validProgram = validatorOf('program.schema.json');
    expect(presets.size).toBeGreaterThan(0);
    for (const [id, program] of presets) expect(validProgram(program), `${id}: ${ajv.errorsText(validProgram.errors)}`).toBe(true);
  });

  it('reject a program naming the failing field path, as zod does', () => {
    const validProgram = validatorOf('program.schema.json');
    const program = structuredClone(presets.get('two-step-static')!) as { phases: { rules: Record<string, unknown>[] }[] };
    program.phases[0]!.rules[1]!.limit = { bps: -5, of: 'initial' };
    expect(Program.safeParse(program).error!.issues.map((issue) => issue.path.join('.'))).toEqual(['phases.0.rules.1.limit.bps']);
    expect(validProgram(program)).toBe(false);
    expect(validProgram.errors!.map((error) => error.instancePath)).toContain('/phases/0/rules/1/limit/bps');
  });

  it('agree with zod on a news calendar', () => {
    const validNews = validatorOf('news-calendar.schema.json');
    const calendar = { events: [{ id: 'us-nfp-2026-02', title: 'US Non-Farm Payrolls', time: '2026-02-06T15:30:00+01:00', symbols: ['EURUSD', 'US30'] }] };
    expect(validNews(calendar)).toBe(true);
    expect(NewsCalendar.safeParse(calendar).success).toBe(true);
    const late = { events: [{ ...calendar.events[0], time: '2026-02-06 15:30' }] };
    expect(validNews(late)).toBe(false);
    expect(NewsCalendar.safeParse(late).success).toBe(false);
  });
});

describe('the sample payloads', () => {
  it('cover every event type, one file each named after it', () => {
    expect(samples.map(({ name }) => name).sort()).toEqual(Object.keys(eventContracts).map((type) => `${type}.json`).sort());
  });

  it.each(samples)('$name validates against the zod schema and both JSON Schemas', ({ name, payload }) => {
    expect(TradeEvent.safeParse(payload).error).toBeUndefined();
    const validOfType = validatorOf(eventContracts[payload.type as TradeEvent['type']].file);
    expect(validOfType(payload), `${name}: ${ajv.errorsText(validOfType.errors)}`).toBe(true);
    expect(anyEvent(payload), `${name}: ${ajv.errorsText(anyEvent.errors)}`).toBe(true);
  });

  it('and every line of the demo stream validate against the union JSON Schema', () => {
    const lines = readFileSync(new URL('demo.jsonl', samplesDirectory), 'utf8').trimEnd().split('\n');
    const invalid = lines.filter((line) => !anyEvent(JSON.parse(line)));
    expect(invalid).toEqual([]);
  });
});

describe('an invalid payload', () => {
  const sample = (type: TradeEvent['type']) => structuredClone(samples.find(({ payload }) => payload.type === type)!.payload);
  const without = (payload: Record<string, unknown>, field: string) => {
    delete payload[field];
    return payload;
  };
  const cases: { case: string; field: string; payload: Record<string, unknown> }[] = [
    { case: 'a fractional volume', field: 'volume', payload: { ...sample('deal'), volume: 1.5 } },
    { case: 'a time without an offset', field: 'time', payload: { ...sample('snapshot'), time: '2026-02-03T11:42:00' } },
    { case: 'an amount as a string', field: 'amount', payload: { ...sample('balance'), amount: '-412500' } },
    { case: 'a missing equity', field: 'equity', payload: without(sample('snapshot'), 'equity') },
    { case: 'an unknown order type', field: 'orderType', payload: { ...sample('order'), orderType: 'market-if-touched' } },
    { case: 'a negative seq', field: 'seq', payload: { ...sample('dayClose'), seq: -1 } },
    { case: 'a missing tenant', field: 'tenant', payload: without(sample('clock'), 'tenant') },
  ];

  it.each(cases)('with $case is rejected by zod and the JSON Schemas, naming $field', ({ field, payload }) => {
    const parsed = TradeEvent.safeParse(payload);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toContain(field);
    const validOfType = validatorOf(eventContracts[payload.type as TradeEvent['type']].file);
    expect(validOfType(payload)).toBe(false);
    expect(namesField(validOfType.errors, field)).toBe(true);
    expect(anyEvent(payload)).toBe(false);
  });

  it('with an unknown type is rejected, naming type', () => {
    const payload = { ...sample('deal'), type: 'trade' };
    expect(TradeEvent.safeParse(payload).error!.issues.map((issue) => issue.path.join('.'))).toEqual(['type']);
    expect(anyEvent(payload)).toBe(false);
    expect(namesField(anyEvent.errors, 'type')).toBe(true);
  });
});

describe('the domain events Propdesk publishes', () => {
  const domainDirectory = new URL('domain/', samplesDirectory);
  // zod renders the evidence inputs (number, string, boolean or null) as a type list, which strict ajv flags.
  const unionAjv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(unionAjv);
  const domainValidator = unionAjv.compile(readJson(new URL('domain-event.schema.json', schemasDirectory)));
  const domainSamples = readdirSync(domainDirectory).map((name) => ({ name, payload: readJson(new URL(name, domainDirectory)) }));

  it('has a sample of every type', () => {
    expect(domainSamples.map(({ name }) => name.replace('.json', '')).sort()).toEqual(DomainEvent.options.map((option) => option.shape.type.value).sort());
  });

  it.each(domainSamples)('$name keeps to the zod contract and its JSON Schema', ({ payload }) => {
    expect(DomainEvent.safeParse(payload).success).toBe(true);
    const validate = domainValidator;
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('the workflow events Propdesk publishes and the bridges answer with', () => {
  const workflowsDirectory = new URL('workflows/', samplesDirectory);
  const bridgesDirectory = new URL('bridges/', samplesDirectory);
  const workflowSamples = readdirSync(workflowsDirectory).map((name) => ({ name, payload: readJson(new URL(name, workflowsDirectory)) }));
  const bridgeSamples = readdirSync(bridgesDirectory).map((name) => ({ name, payload: readJson(new URL(name, bridgesDirectory)) }));
  const workflowValidator = ajv.compile(readJson(new URL('workflow-event.schema.json', schemasDirectory)));
  const answerValidators: Record<string, ReturnType<typeof ajv.compile>> = {
    'TradingAccountCreated.json': ajv.compile(readJson(new URL('trading-account-created.schema.json', schemasDirectory))),
    'TradingAccountRefused.json': ajv.compile(readJson(new URL('trading-account-refused.schema.json', schemasDirectory))),
  };

  it('has a sample of every workflow event and every answer', () => {
    expect(workflowSamples.map(({ name }) => name.replace('.json', '')).sort()).toEqual(WorkflowEvent.options.map((option) => option.shape.type.value).sort());
    expect(bridgeSamples.map(({ name }) => name).sort()).toEqual(Object.keys(answerValidators).sort());
  });

  it.each(workflowSamples)('$name keeps to the zod contract and its JSON Schema', ({ payload }) => {
    expect(WorkflowEvent.safeParse(payload).error).toBeUndefined();
    expect(workflowValidator(payload), JSON.stringify(workflowValidator.errors)).toBe(true);
  });

  it.each(bridgeSamples)('answer $name keeps to the zod contract and its JSON Schema; without its requestId it is refused by both', ({ name, payload }) => {
    const type = name.replace('.json', '');
    expect(BridgeAnswer.safeParse({ ...(payload as object), type }).error).toBeUndefined();
    const validate = answerValidators[name]!;
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
    const { requestId: _requestId, ...withoutRequest } = payload as Record<string, unknown>;
    expect(validate(withoutRequest)).toBe(false);
    expect(BridgeAnswer.safeParse({ ...withoutRequest, type }).success).toBe(false);
  });
});
