import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdentityObservation, identityKeys, linkEvidence, type IdentityKey } from '../../../shared/abuse/identity.js';
import { at } from '../../support/abuse.js';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

type Signals = Partial<Pick<IdentityObservation, 'ip' | 'deviceFingerprint' | 'paymentFingerprint' | 'kycIdentity' | 'email' | 'phone' | 'name' | 'address'>>;

/** Parses an observation with these signals, as the API would. */
const observation = (signals: Signals): IdentityObservation =>
  IdentityObservation.parse({ traderId: 'trd-1', observedAt: '2026-03-02T09:00:00Z', source: 'bridge.mt5', ...signals });

const keysOf = (signals: Signals): IdentityKey[] => identityKeys(observation(signals));

/** The one key the signals give. */
function keyOf(signals: Signals): IdentityKey {
  const keys = keysOf(signals);
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

describe('IdentityObservation', () => {
  it('parses the time to epoch milliseconds and defaults the account to null', () => {
    const parsed = IdentityObservation.parse({ traderId: 'trd-1', observedAt: '2026-03-02T10:00:00+01:00', source: 'kyc', kycIdentity: 'X1' });
    expect(parsed.observedAt).toBe(at('2026-03-02T09:00:00Z'));
    expect(parsed.accountId).toBeNull();
  });

  it.each(['999.1.1.1', '01.2.3.4', 'not-an-ip', '2001:db8::g', '1.2.3'])('refuses the IP address %s', (ip) => {
    const result = IdentityObservation.safeParse({ traderId: 'trd-1', observedAt: '2026-03-02T09:00:00Z', source: 'bridge.mt5', ip });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('a valid IPv4 or IPv6 address');
  });

  it('refuses an observation without any signal, saying which signals count', () => {
    const result = IdentityObservation.safeParse({ traderId: 'trd-1', observedAt: '2026-03-02T09:00:00Z', source: 'purchase', accountId: 'acc-1' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^at least one identity signal is required: ip, deviceFingerprint, .*address$/);
  });

  it.each([
    ['an unknown field', { ip: '203.0.113.7', browser: 'firefox' }],
    ['an invalid email', { email: 'john.doe@' }],
    ['a time without an offset', { ip: '203.0.113.7', observedAt: '2026-03-02T09:00:00' }],
    ['an empty signal', { deviceFingerprint: '' }],
  ])('refuses %s', (_, fields) => {
    expect(IdentityObservation.safeParse({ traderId: 'trd-1', observedAt: '2026-03-02T09:00:00Z', source: 'bridge.mt5', ...fields }).success).toBe(false);
  });
});

describe('IP addresses', () => {
  it('keys IPv4 by its address', () => {
    expect(keyOf({ ip: '203.0.113.7' })).toEqual({ kind: 'ipv4', key: 'ipv4:203.0.113.7', shown: '203.0.113.7' });
  });

  it.each(['::ffff:203.0.113.7', '::FFFF:cb00:7107', '0:0:0:0:0:ffff:203.0.113.7'])('counts the IPv4-mapped %s as IPv4', (ip) => {
    expect(keyOf({ ip })).toEqual({ kind: 'ipv4', key: 'ipv4:203.0.113.7', shown: '203.0.113.7' });
  });

  it.each([
    '2001:db8:85a3::8a2e:370:7334',
    '2001:0DB8:85A3:0000:1111:2222:3333:4444',
    '2001:db8:85a3:0:ffff::1',
    '2001:db8:85a3::',
    '2001:db8:85a3:0:aaaa::1%eth0',
  ])('keys %s by its /64, so the rotating low half does not matter', (ip) => {
    expect(keyOf({ ip })).toEqual({ kind: 'ipv6', key: 'ipv6:2001:db8:85a3:0::/64', shown: '2001:db8:85a3:0::/64' });
  });

  it.each([
    ['2001:db8:85a3:1::7334', 'ipv6:2001:db8:85a3:1::/64'],
    ['::1', 'ipv6:0:0:0:0::/64'],
    ['fe80::1%eth0', 'ipv6:fe80:0:0:0::/64'],
    ['64:ff9b::203.0.113.7', 'ipv6:64:ff9b:0:0::/64'],
  ])('keys %s to another /64', (ip, key) => {
    expect(keyOf({ ip }).key).toBe(key);
  });
});

describe('device, payment and KYC identities', () => {
  it('keys a device by the hash of its fingerprint and shows its start', () => {
    expect(keyOf({ deviceFingerprint: 'a1b2c3d4e5f6a7b8' })).toEqual({ kind: 'device', key: `device:${sha256('a1b2c3d4e5f6a7b8')}`, shown: 'a1b2c3d4…' });
  });

  it('keeps only the hash of a payment fingerprint, shown by its last 6 hex digits', () => {
    const hash = sha256('fp_1MqLbq2eZvKYlo2C');
    expect(keyOf({ paymentFingerprint: 'fp_1MqLbq2eZvKYlo2C' })).toEqual({ kind: 'payment', key: `payment:${hash}`, shown: `payment fingerprint …${hash.slice(-6)}` });
  });

  it('keys a KYC identity by its uppercase letters and digits', () => {
    const hash = sha256('P123456789');
    expect(keyOf({ kycIdentity: 'p-123 456/789' })).toEqual({ kind: 'kyc', key: `kyc:${hash}`, shown: `KYC identity …${hash.slice(-6)}` });
    expect(keyOf({ kycIdentity: 'P123456789' }).key).toBe(`kyc:${hash}`);
    expect(keysOf({ kycIdentity: '--- ---' })).toEqual([]);
  });
});

describe('email', () => {
  const gmail = keyOf({ email: 'johndoe@gmail.com' });

  it.each(['John.Doe@gmail.com', 'j.o.h.n.doe+prop-firm@GoogleMail.com', 'JOHNDOE+x@GMAIL.COM'])('treats %s as johndoe@gmail.com', (email) => {
    expect(keyOf({ email })).toEqual(gmail);
  });

  it('keys the normalized address and masks it', () => {
    expect(gmail).toEqual({ kind: 'email', key: `email:${sha256('johndoe@gmail.com')}`, shown: 'j***@gmail.com' });
  });

  it('trims and lowercases', () => {
    const [key] = identityKeys({ ...observation({ email: 'a@b.co' }), email: '  JohnDoe@Gmail.com ' });
    expect(key).toEqual(gmail);
  });

  it('drops a +tag everywhere but keeps dots outside Gmail', () => {
    const example = keyOf({ email: 'john.doe@example.com' });
    expect(keyOf({ email: 'John.Doe+funded@Example.com' })).toEqual(example);
    expect(keyOf({ email: 'johndoe@example.com' }).key).not.toBe(example.key);
    expect(example.shown).toBe('j***@example.com');
  });
});

describe('phone', () => {
  const london = keyOf({ phone: '+44 20 7946 0958' });

  it.each(['0044 20 7946 0958', '020 7946 0958', '(020) 7946-0958', '+442079460958'])('matches %s with +44 20 7946 0958', (phone) => {
    expect(keyOf({ phone })).toEqual(london);
  });

  it('keys the last 9 digits and shows the last 4', () => {
    expect(london).toEqual({ kind: 'phone', key: `phone:${sha256('079460958')}`, shown: '••• 0958' });
  });

  it('tells different numbers apart and gives no key for fewer than 7 digits, 00 not counted', () => {
    expect(keyOf({ phone: '+44 20 7946 0959' }).key).not.toBe(london.key);
    expect(keysOf({ phone: '123 456' })).toEqual([]);
    expect(keyOf({ phone: '555 0100' }).shown).toBe('••• 0100');
    expect(keysOf({ phone: '00 12345' })).toEqual([]);
  });
});

describe('name and address', () => {
  const john = keyOf({ name: 'John Smith', address: '12 Main St, Springfield' });

  it('needs both the name and the address', () => {
    expect(keysOf({ name: 'John Smith' })).toEqual([]);
    expect(keysOf({ address: '12 Main St, Springfield' })).toEqual([]);
  });

  it('keys the sorted name and the expanded address, shown as initials and the last address word', () => {
    expect(john).toEqual({ kind: 'nameAddress', key: `nameAddress:${sha256('john smith|12 main street springfield')}`, shown: 'JS, springfield' });
  });

  it.each([
    ['Smith John', '12 Main Street Springfield'],
    ['SMITH, John', '12 main st. springfield'],
    ['  john   smith ', '12-Main-St springfield'],
  ])('matches %s at %s', (name, address) => {
    expect(keyOf({ name, address })).toEqual(john);
  });

  it.each([
    ['5 Sunset Blvd, Apt 3', '5 sunset boulevard apartment 3'],
    ['7 Oak Rd', '7 oak road'],
    ['9 Elm Ave', '9 elm avenue'],
    ['9 Elm Av', '9 elm avenue'],
    ['3 Mill Ln', '3 mill lane'],
    ['4 Park Dr', '4 park drive'],
  ])('expands %s to %s', (short, long) => {
    expect(keyOf({ name: 'Ann Lee', address: short })).toEqual(keyOf({ name: 'Ann Lee', address: long }));
  });

  it('strips diacritics', () => {
    const accented = keyOf({ name: 'José Núñez', address: 'Calle de Alcalá 5, Málaga' });
    expect(accented).toEqual(keyOf({ name: 'Nunez Jose', address: 'calle de alcala 5 malaga' }));
    expect(accented.shown).toBe('JN, malaga');
  });

  it('keeps letters of other scripts', () => {
    const cyrillic = keyOf({ name: 'Иван Петров', address: 'ул. Ленина 1, Москва' });
    expect(cyrillic.shown).toBe('ИП, москва');
    expect(cyrillic.key).not.toBe(keyOf({ name: 'Пётр Иванов', address: 'ул. Ленина 1, Москва' }).key);
  });

  it('tells a different address apart', () => {
    expect(keyOf({ name: 'John Smith', address: '14 Main St, Springfield' }).key).not.toBe(john.key);
  });
});

it('gives one key per signal and never keeps personal data in a key or the shown text', () => {
  const raw = {
    email: 'john.doe+vip@example.com',
    phone: '+44 20 7946 0958',
    paymentFingerprint: 'fp_1MqLbq2eZvKYlo2C',
    kycIdentity: 'PASSPORT-X1234567',
  };
  const keys = keysOf({ ...raw, ip: '203.0.113.7', deviceFingerprint: 'dev-0123456789', name: 'John Smith', address: '12 Main St, Springfield' });
  expect(keys.map((key) => key.kind)).toEqual(['ipv4', 'device', 'payment', 'kyc', 'email', 'phone', 'nameAddress']);
  const secrets = [...Object.values(raw), 'john.doe', 'johndoe', '2079460958', '079460958', 'X1234567', 'PASSPORTX1234567', 'john', 'smith', 'main'];
  for (const { key, shown } of keys) {
    for (const secret of secrets) {
      expect(key.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(shown.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  }
});

describe('linkEvidence', () => {
  const key: IdentityKey = { kind: 'device', key: 'device:abc', shown: 'a1b2c3d4…' };

  it('orders the traders ascending, each with when it was first seen', () => {
    const expected = { kind: 'device', shown: 'a1b2c3d4…', traderIds: ['trd-1', 'trd-2'], firstSeen: [100, 200] };
    expect(linkEvidence(key, { traderId: 'trd-2', firstSeen: 200 }, { traderId: 'trd-1', firstSeen: 100 })).toEqual(expected);
    expect(linkEvidence(key, { traderId: 'trd-1', firstSeen: 100 }, { traderId: 'trd-2', firstSeen: 200 })).toEqual(expected);
  });
});
