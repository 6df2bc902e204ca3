/**
 * Abuse detection's bus contract as committed: a sample of every event it publishes and of IdentityObserved,
 * each valid under the zod schema it was exported from and under the committed JSON Schemas.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { AbuseEvent, IdentityObserved } from '../../shared/abuse/abuse-events.js';

const schemas = new URL('../../events/schemas/abuse/', import.meta.url);
const samplesDirectory = new URL('../../events/samples/abuse/', import.meta.url);
const readJson = (url: URL): Record<string, unknown> => JSON.parse(readFileSync(url, 'utf8'));

// zod renders the evidence figures (number, string, boolean or null) as a type list, which strict ajv flags.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const anyAbuseEvent = ajv.compile(readJson(new URL('abuse-event.schema.json', schemas)));
const schemaOfType: Record<string, string> = {
  AbuseFlagRaised: 'abuse-flag-raised.schema.json',
  AbuseFlagResolved: 'abuse-flag-resolved.schema.json',
  RiskScoreChanged: 'risk-score-changed.schema.json',
  RiskAlertRaised: 'risk-alert-raised.schema.json',
};
const identityObserved = ajv.compile(readJson(new URL('identity-observed.schema.json', schemas)));

const samples = readdirSync(samplesDirectory).map((name) => ({ name, payload: readJson(new URL(name, samplesDirectory)) }));
const published = samples.filter(({ name }) => name !== 'IdentityObserved.json');

describe('the abuse events', () => {
  it('have a sample of every type published, and of IdentityObserved', () => {
    expect(samples.map(({ name }) => name.replace('.json', '')).sort()).toEqual([...AbuseEvent.options.map((option) => option.shape.type.value), 'IdentityObserved'].sort());
    expect(Object.keys(schemaOfType).sort()).toEqual(AbuseEvent.options.map((option) => option.shape.type.value).sort());
  });

  it.each(published)('$name keeps to the zod contract, its own JSON Schema and the union', ({ name, payload }) => {
    expect(name).toBe(`${String(payload.type)}.json`);
    expect(AbuseEvent.safeParse(payload).error).toBeUndefined();
    const validate = ajv.compile(readJson(new URL(schemaOfType[String(payload.type)]!, schemas)));
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
    expect(anyAbuseEvent(payload), JSON.stringify(anyAbuseEvent.errors)).toBe(true);
  });

  it('IdentityObserved keeps to the zod contract and its JSON Schema; both refuse a field it does not know', () => {
    const payload = samples.find(({ name }) => name === 'IdentityObserved.json')!.payload;
    expect(IdentityObserved.safeParse(payload).error).toBeUndefined();
    expect(identityObserved(payload), JSON.stringify(identityObserved.errors)).toBe(true);
    const unknown = { ...payload, deviceId: 'abc' };
    expect(IdentityObserved.safeParse(unknown).success).toBe(false);
    expect(identityObserved(unknown)).toBe(false);
  });

  it('IdentityObserved without any signal is refused by zod (the JSON Schema cannot say "at least one")', () => {
    const { traderId, observedAt, source } = samples.find(({ name }) => name === 'IdentityObserved.json')!.payload;
    const result = IdentityObserved.safeParse({ traderId, observedAt, source });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/at least one identity signal/);
  });
});
