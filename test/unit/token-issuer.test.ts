import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { rolesFromClaim } from '../../shared/auth/roles.js';
import {
  bearerToken,
  createLocalIssuer,
  DEFAULT_LOCAL_AUDIENCE,
  DEFAULT_LOCAL_ISSUER,
  flattenClaims,
  KEY_FILE_NAME,
  type LocalIssuer,
} from '../../local/token-issuer.js';

const scratch = mkdtempSync(join(tmpdir(), 'propdesk-token-issuer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

let dirs = 0;
const freshDir = () => join(scratch, `data-${++dirs}`);

/** The issuer's private key, read from its key file, to sign tokens the issuer would never mint. */
async function signWithIssuerKey(dataDir: string, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(dataDir, KEY_FILE_NAME), 'utf8')) as JWK;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, ...header })
    .sign(await importJWK(jwk, 'RS256'));
}

const now = () => Math.floor(Date.now() / 1000);

describe('a minted token', () => {
  it('verifies, with its claims as API Gateway passes them: roles flattened to "[risk admin]"', async () => {
    const issuer = await createLocalIssuer();
    const token = await issuer.mint({ subject: 'ops-1', roles: ['risk', 'admin'], tenant: 'acme' });
    const before = now();
    const result = await issuer.verify(token);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { claims } = result;
    expect(claims).toMatchObject({
      sub: 'ops-1',
      roles: '[risk admin]',
      iss: DEFAULT_LOCAL_ISSUER,
      aud: DEFAULT_LOCAL_AUDIENCE,
      client_id: DEFAULT_LOCAL_AUDIENCE,
      token_use: 'access',
      tenant: 'acme',
    });
    expect(claims.exp).toBe((claims.iat as number) + 3600);
    expect(Math.abs((claims.iat as number) - before)).toBeLessThanOrEqual(1);
    expect(typeof claims.jti).toBe('string');
    // Nothing but strings, numbers and booleans reaches a handler, and the roles read back as they went in.
    for (const value of Object.values(claims)) expect(['string', 'number', 'boolean']).toContain(typeof value);
    expect(rolesFromClaim(claims.roles)).toEqual(['risk', 'admin']);
  });

  it('carries its roles as a JSON array, its kid in the header and no tenant unless given', async () => {
    const issuer = await createLocalIssuer();
    const token = await issuer.mint({ subject: 'trader-7', roles: ['trader'], expiresInSeconds: 60 });
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part!, 'base64url').toString('utf8')));
    expect(header).toMatchObject({ alg: 'RS256', kid: issuer.jwks.keys[0]!.kid });
    expect(payload.roles).toEqual(['trader']);
    expect(payload.exp - payload.iat).toBe(60);
    expect(payload).not.toHaveProperty('tenant');
  });

  it('publishes a public JWKS only: one RSA key with its kid and no private part', async () => {
    const { jwks } = await createLocalIssuer();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]!.kid).toMatch(/^[\w-]{43}$/);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('is refused for an unknown role, no subject or a lifetime that is not a positive whole number', async () => {
    const issuer = await createLocalIssuer();
    await expect(issuer.mint({ subject: 'x', roles: ['root' as never] })).rejects.toThrow(/unknown role root/);
    await expect(issuer.mint({ subject: '', roles: ['admin'] })).rejects.toThrow(/subject/);
    await expect(issuer.mint({ subject: 'x', roles: ['admin'], expiresInSeconds: 0 })).rejects.toThrow(/expiresInSeconds/);
    await expect(issuer.mint({ subject: 'x', roles: ['admin'], expiresInSeconds: 1.5 })).rejects.toThrow(/expiresInSeconds/);
  });
});

describe('verification refuses', () => {
  it('an expired token as expired, and accepts it until its exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T09:00:00Z'));
    const issuer = await createLocalIssuer();
    const token = await issuer.mint({ subject: 'ops-1', roles: ['admin'], expiresInSeconds: 600 });
    vi.setSystemTime(new Date('2026-03-02T09:10:00Z'));
    expect((await issuer.verify(token)).ok).toBe(true);
    vi.setSystemTime(new Date('2026-03-02T09:10:01Z'));
    expect(await issuer.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a token signed by another key as invalid, whatever kid it names', async () => {
    const issuer = await createLocalIssuer();
    const impostor = await createLocalIssuer();
    const forged = await impostor.mint({ subject: 'ops-1', roles: ['admin'] });
    expect((await impostor.verify(forged)).ok).toBe(true);
    expect(await issuer.verify(forged)).toEqual({ ok: false, reason: 'invalid' });

    const { privateKey } = await generateKeyPair('RS256');
    const sameKid = await new SignJWT({ roles: ['admin'], client_id: issuer.audience, token_use: 'access' })
      .setProtectedHeader({ alg: 'RS256', kid: issuer.jwks.keys[0]!.kid })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setSubject('ops-1')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await issuer.verify(sameKid)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token whose payload was altered after signing as invalid', async () => {
    const issuer = await createLocalIssuer();
    const [header, payload, signature] = (await issuer.mint({ subject: 'trader-7', roles: ['trader'] })).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const promoted = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
    expect(await issuer.verify(`${header}.${promoted}.${signature}`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token from the same key with another issuer or audience as invalid', async () => {
    const dataDir = freshDir();
    const issuer = await createLocalIssuer({ dataDir });
    const otherIssuer = await createLocalIssuer({ dataDir, issuer: 'http://127.0.0.1/somebody-else' });
    const otherAudience = await createLocalIssuer({ dataDir, audience: 'another-client' });
    const fromOtherIssuer = await otherIssuer.mint({ subject: 'ops-1', roles: ['admin'] });
    const forOtherAudience = await otherAudience.mint({ subject: 'ops-1', roles: ['admin'] });
    // Same key, so the signatures are good: only the iss and aud checks refuse them.
    expect((await otherIssuer.verify(fromOtherIssuer)).ok).toBe(true);
    expect((await otherAudience.verify(forOtherAudience)).ok).toBe(true);
    expect(await issuer.verify(fromOtherIssuer)).toEqual({ ok: false, reason: 'invalid' });
    expect(await issuer.verify(forOtherAudience)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token without exp, issued in the future or not yet valid as invalid (API Gateway requires exp)', async () => {
    const dataDir = freshDir();
    const issuer = await createLocalIssuer({ dataDir });
    const base = { iss: issuer.issuer, aud: issuer.audience, sub: 'ops-1', roles: ['admin'] };
    expect((await issuer.verify(await signWithIssuerKey(dataDir, { ...base, iat: now(), exp: now() + 60 }))).ok).toBe(true);
    expect(await issuer.verify(await signWithIssuerKey(dataDir, { ...base, iat: now() }))).toEqual({ ok: false, reason: 'invalid' });
    expect(await issuer.verify(await signWithIssuerKey(dataDir, { ...base, iat: now() + 600, exp: now() + 900 }))).toEqual({ ok: false, reason: 'invalid' });
    expect(await issuer.verify(await signWithIssuerKey(dataDir, { ...base, nbf: now() + 600, exp: now() + 900 }))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token signed with another algorithm than RS256 as invalid', async () => {
    const dataDir = freshDir();
    const issuer = await createLocalIssuer({ dataDir });
    const payload = { iss: issuer.issuer, aud: issuer.audience, sub: 'ops-1', exp: now() + 60 };
    const [header, body] = (await signWithIssuerKey(dataDir, payload)).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: issuer.jwks.keys[0]!.kid })).toString('base64url');
    expect(await issuer.verify(`${none}.${body}.AAAA`)).toEqual({ ok: false, reason: 'invalid' });
    const hs256 = Buffer.from(JSON.stringify({ alg: 'HS256', kid: issuer.jwks.keys[0]!.kid })).toString('base64url');
    expect(await issuer.verify(`${hs256}.${body}.AAAA`)).toEqual({ ok: false, reason: 'invalid' });
    // With no signature at all it is not a signed token (JWS) to begin with.
    expect(await issuer.verify(`${none}.${body}.`)).toEqual({ ok: false, reason: 'malformed' });
    expect(await issuer.verify(`${header}.${body}.`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('garbage as malformed', async () => {
    const issuer = await createLocalIssuer();
    const token = await issuer.mint({ subject: 'ops-1', roles: ['admin'] });
    const notJson = Buffer.from('not json').toString('base64url');
    for (const garbage of ['garbage', 'a.b.c', 'a.b', token.split('.').slice(0, 2).join('.'), `${notJson}.${notJson}.${notJson}`, `${token}.extra`]) {
      expect(await issuer.verify(garbage), garbage).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('no token as missing', async () => {
    const issuer = await createLocalIssuer();
    expect(await issuer.verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await issuer.verify('')).toEqual({ ok: false, reason: 'missing' });
    expect(await issuer.verify(bearerToken(undefined))).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('the key in the data directory', () => {
  it('survives a new issuer: a token minted by the first verifies with the second', async () => {
    const dataDir = freshDir();
    const first = await createLocalIssuer({ dataDir });
    const token = await first.mint({ subject: 'ops-1', roles: ['risk', 'admin'] });
    const second = await createLocalIssuer({ dataDir });
    expect(second.jwks).toEqual(first.jwks);
    const result = await second.verify(token);
    expect(result.ok && result.claims.roles).toBe('[risk admin]');
    // A fresh directory is a fresh key, which refuses it.
    expect(await (await createLocalIssuer({ dataDir: freshDir() })).verify(token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('is a private JWK readable by its owner only', async () => {
    const dataDir = freshDir();
    const issuer = await createLocalIssuer({ dataDir });
    expect(issuer.keyFile).toBe(join(dataDir, KEY_FILE_NAME));
    if (process.platform !== 'win32') expect(statSync(issuer.keyFile!).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(readFileSync(issuer.keyFile!, 'utf8'));
    expect(jwk).toMatchObject({ kty: 'RSA', kid: issuer.jwks.keys[0]!.kid, alg: 'RS256' });
    expect(typeof jwk.d).toBe('string');
  });

  it('is one key when several issuers start on an empty directory at once', async () => {
    const dataDir = freshDir();
    const issuers: LocalIssuer[] = await Promise.all(Array.from({ length: 4 }, () => createLocalIssuer({ dataDir })));
    expect(new Set(issuers.map((issuer) => issuer.jwks.keys[0]!.kid)).size).toBe(1);
  });

  it('is refused, naming the file, when the file is not a key', async () => {
    const dataDir = freshDir();
    await createLocalIssuer({ dataDir });
    writeFileSync(join(dataDir, KEY_FILE_NAME), '{"kty":"RSA"}');
    await expect(createLocalIssuer({ dataDir })).rejects.toThrow(`${join(dataDir, KEY_FILE_NAME)} is not a token issuer key`);
  });

  it('stays in memory without a data directory', async () => {
    const issuer = await createLocalIssuer();
    expect(issuer.keyFile).toBeNull();
    expect((await createLocalIssuer()).jwks.keys[0]!.kid).not.toBe(issuer.jwks.keys[0]!.kid);
  });
});

describe('flattenClaims', () => {
  it('keeps strings, numbers and booleans and writes arrays as "[a b]"', () => {
    expect(flattenClaims({ sub: 'x', exp: 1700000000, email_verified: true, roles: ['risk', 'admin'], 'cognito:groups': ['admin'], empty: [] })).toEqual({
      sub: 'x',
      exp: 1700000000,
      email_verified: true,
      roles: '[risk admin]',
      'cognito:groups': '[admin]',
      empty: '[]',
    });
  });
});

describe('bearerToken', () => {
  it('reads the token after the Bearer scheme, in any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('BEARER   abc.def.ghi  ')).toBe('abc.def.ghi');
  });

  it('finds none without the scheme, with another scheme, or with more than one word', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'abc.def.ghi', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'Bearerabc']) {
      expect(bearerToken(header), String(header)).toBeUndefined();
    }
  });
});
