/**
 * One entry point for the ingest endpoint: a bridge's envelope of platform payloads in, canonical trade
 * events out, or every problem with the field path that causes it. Pure: no clock, no I/O.
 *
 * Each record of an envelope carries its bridge-assigned seq and gives at most one event. The events
 * are validated against the canonical TradeEvent schema before they are returned, so a translation
 * that would put an invalid event on the stream is a Problem instead.
 */
import type { z } from 'zod';
import { TradeEvent, type TradeEventInput } from '../domain/events.js';
import { parseWith, pathOf, type Parsed, type Problem } from '../parsing.js';
import { CtraderEnvelope, translateCtrader, type CtraderSymbolCatalogue } from './ctrader.js';
import { Mt5Envelope, translateMt5 } from './mt5.js';

export type { CtraderSymbol, CtraderSymbolCatalogue } from './ctrader.js';

export const PLATFORM_IDS = ['mt5', 'ctrader'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** What an adapter cannot read from the payload. */
export interface TranslateContext {
  /** The tenant's cTrader symbols: executions name symbols by id and volumes need the lot size. */
  readonly ctraderSymbols: CtraderSymbolCatalogue;
}

export type TranslateResult = { readonly ok: true; readonly events: TradeEvent[] } | { readonly ok: false; readonly problems: Problem[] };

export function translatePlatform(platform: PlatformId, body: unknown, context: TranslateContext): TranslateResult {
  switch (platform) {
    case 'mt5':
      return translateWith(Mt5Envelope, body, translateMt5);
    case 'ctrader':
      return translateWith(CtraderEnvelope, body, (envelope) => translateCtrader(envelope, context.ctraderSymbols));
  }
}

function translateWith<Envelope extends { readonly records: readonly { readonly seq: number }[] }>(
  schema: z.ZodType<Envelope>,
  body: unknown,
  translate: (envelope: Envelope) => Parsed<(TradeEventInput | null)[]>,
): TranslateResult {
  // parseWith reads text; the body is JSON data already, so writing it back out loses nothing.
  const parsed = parseWith(schema, JSON.stringify(body), null);
  if (!parsed.ok) return parsed;
  const disordered = seqProblems(parsed.value.records);
  const translated = translate(parsed.value);
  if (!translated.ok) return { ok: false, problems: [...disordered, ...translated.problems] };
  if (disordered.length > 0) return { ok: false, problems: disordered };
  return validated(translated.value);
}

/** The reducer drops an event whose seq is not above the last one, so an envelope must not hold one. */
function seqProblems(records: readonly { readonly seq: number }[]): Problem[] {
  const problems: Problem[] = [];
  for (let index = 1; index < records.length; index++) {
    const previous = records[index - 1]!.seq;
    if (records[index]!.seq <= previous) {
      problems.push({ line: null, path: `records[${index}].seq`, message: `must be greater than the previous record's seq ${previous}` });
    }
  }
  return problems;
}

function validated(slots: readonly (TradeEventInput | null)[]): TranslateResult {
  const events: TradeEvent[] = [];
  const problems: Problem[] = [];
  slots.forEach((input, index) => {
    if (input === null) return;
    const result = TradeEvent.safeParse(input);
    if (result.success) {
      events.push(result.data);
      return;
    }
    for (const issue of result.error.issues) {
      const message = `translates to an invalid ${input.type} event: ${pathOf(issue.path)}: ${issue.message}`;
      problems.push({ line: null, path: `records[${index}]`, message });
    }
  });
  return problems.length === 0 ? { ok: true, events } : { ok: false, problems };
}
