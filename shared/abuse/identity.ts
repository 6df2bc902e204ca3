/**
 * Identity observations (what a bridge, processor, KYC provider or the purchase workflow saw of a
 * trader) turned into link keys: two traders sharing a key are linked. Keys are normalized so that
 * trivial variations still match, and personal data is kept only as a SHA-256 hash; `shown` is what an
 * analyst may see, with personal data masked.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { IdentityKind, LinkEvidence } from './findings.js';

const SIGNALS = ['ip', 'deviceFingerprint', 'paymentFingerprint', 'kycIdentity', 'email', 'phone', 'name', 'address'] as const;

const text = (max: number) => z.string().min(1).max(max);

export const IdentityObservation = z
  .strictObject({
    traderId: text(128),
    accountId: z.string().nullable().default(null),
    observedAt: z.iso
      .datetime({ offset: true })
      .transform((value) => Date.parse(value))
      .describe('ISO 8601 date-time with Z or an offset'),
    source: text(64).describe("where it was seen: 'bridge.mt5', 'processor.stripe', 'kyc', 'purchase'"),
    ip: z
      .string()
      .max(100)
      .refine((value) => isIP(value) !== 0, 'a valid IPv4 or IPv6 address')
      .optional(),
    deviceFingerprint: text(256).optional(),
    paymentFingerprint: text(256).optional().describe("the processor's card or wallet fingerprint"),
    kycIdentity: text(256).optional().describe("the KYC provider's document or person identity"),
    email: z.email().optional(),
    phone: text(32).optional(),
    name: text(200).optional(),
    address: text(500).optional(),
    // Propdesk's own publishers send the whole event as the detail: these three ride along, unread.
    type: z.literal('IdentityObserved').optional().describe('the detail-type again, when the publisher repeats it'),
    id: text(256).optional().describe('the event id: deduplicate by it'),
    time: z.iso.datetime({ offset: true }).optional().describe('when it was published'),
  })
  .refine((observation) => SIGNALS.some((signal) => observation[signal] !== undefined), {
    message: `at least one identity signal is required: ${SIGNALS.join(', ')}`,
  });

export type IdentityObservation = z.output<typeof IdentityObservation>;

export interface IdentityKey {
  kind: IdentityKind;
  key: string;
  shown: string;
}

/** When a trader was first seen with a key. */
export interface TraderSighting {
  readonly traderId: string;
  readonly firstSeen: number;
}

/** The link keys of an observation; a signal that normalizes to nothing gives no key. */
export function identityKeys(observation: IdentityObservation): IdentityKey[] {
  const keys: IdentityKey[] = [];
  const add = (key: IdentityKey | null) => {
    if (key !== null) keys.push(key);
  };
  if (observation.ip !== undefined) add(ipKey(observation.ip));
  if (observation.deviceFingerprint !== undefined) add(deviceKey(observation.deviceFingerprint));
  if (observation.paymentFingerprint !== undefined) add(paymentKey(observation.paymentFingerprint));
  if (observation.kycIdentity !== undefined) add(kycKey(observation.kycIdentity));
  if (observation.email !== undefined) add(emailKey(observation.email));
  if (observation.phone !== undefined) add(phoneKey(observation.phone));
  if (observation.name !== undefined && observation.address !== undefined) add(nameAddressKey(observation.name, observation.address));
  return keys;
}

/** Evidence that two traders share `key`, the trader ids in ascending order. */
export function linkEvidence(key: IdentityKey, a: TraderSighting, b: TraderSighting): LinkEvidence {
  const [first, second] = a.traderId <= b.traderId ? [a, b] : [b, a];
  return { kind: key.kind, shown: key.shown, traderIds: [first.traderId, second.traderId], firstSeen: [first.firstSeen, second.firstSeen] };
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

function ipKey(ip: string): IdentityKey | null {
  const address = ip.split('%', 1)[0] ?? '';
  const version = isIP(address);
  if (version === 4) return ipv4Key(address);
  if (version !== 6) return null;
  const groups = hextets(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return ipv4Key(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);
  }
  // Mobile carriers rotate the low 64 bits, so a household or handset is its /64.
  const prefix = `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
  return { kind: 'ipv6', key: `ipv6:${prefix}`, shown: prefix };
}

const ipv4Key = (dotted: string): IdentityKey => ({ kind: 'ipv4', key: `ipv4:${dotted}`, shown: dotted });

/** The eight 16-bit groups of a valid IPv6 address without a zone id, '::' expanded. */
function hextets(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const left = groupsOf(head);
  if (tail === undefined) return left;
  const right = groupsOf(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function groupsOf(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [Number.parseInt(group, 16)];
    const value = group.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
    return [value >>> 16, value & 0xffff];
  });
}

const deviceKey = (fingerprint: string): IdentityKey => ({
  kind: 'device',
  key: `device:${sha256(fingerprint)}`,
  shown: `${fingerprint.slice(0, 8)}…`,
});

function paymentKey(fingerprint: string): IdentityKey {
  const hash = sha256(fingerprint);
  return { kind: 'payment', key: `payment:${hash}`, shown: `payment fingerprint …${hash.slice(-6)}` };
}

function kycKey(identity: string): IdentityKey | null {
  const normalized = identity.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (normalized === '') return null;
  const hash = sha256(normalized);
  return { kind: 'kyc', key: `kyc:${hash}`, shown: `KYC identity …${hash.slice(-6)}` };
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

function emailKey(email: string): IdentityKey | null {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  // Gmail ignores dots in the local part and serves both domains, so they are one mailbox.
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  if (local === '') return null;
  return { kind: 'email', key: `email:${sha256(`${local}@${domain}`)}`, shown: `${local.charAt(0)}***@${domain}` };
}

function phoneKey(phone: string): IdentityKey | null {
  let digits = phone.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length < 7) return null;
  // The country code and trunk prefix depend on how the number was typed (+44 20…, 0044 20…, 020…);
  // the last 9 digits are the same in every form, at the cost of rare collisions between countries.
  return { kind: 'phone', key: `phone:${sha256(digits.slice(-9))}`, shown: `••• ${digits.slice(-4)}` };
}

// Expanded on both sides, so "12 Main St" and "12 main street" match.
const ADDRESS_ABBREVIATIONS = new Map([
  ['st', 'street'],
  ['rd', 'road'],
  ['ave', 'avenue'],
  ['av', 'avenue'],
  ['blvd', 'boulevard'],
  ['apt', 'apartment'],
  ['ln', 'lane'],
  ['dr', 'drive'],
]);

function nameAddressKey(name: string, address: string): IdentityKey | null {
  // Sorted, so "Smith John" matches "John Smith".
  const nameTokens = tokensOf(name).sort();
  const addressTokens = tokensOf(address).map((token) => ADDRESS_ABBREVIATIONS.get(token) ?? token);
  const lastAddressToken = addressTokens.at(-1);
  if (nameTokens.length === 0 || lastAddressToken === undefined) return null;
  const initials = nameTokens.map((token) => token.charAt(0).toUpperCase()).join('');
  return {
    kind: 'nameAddress',
    key: `nameAddress:${sha256(`${nameTokens.join(' ')}|${addressTokens.join(' ')}`)}`,
    shown: `${initials}, ${lastAddressToken}`,
  };
}

/** Lowercase words without diacritics: "Müller-Lüdenscheidt" becomes ['muller', 'ludenscheidt']. */
function tokensOf(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== '');
}
