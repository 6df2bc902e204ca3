/**
 * The local platform's token issuer and verifier. In AWS the staff and trader API sits behind API Gateway's
 * JWT authorizer (the firm's Cognito user pool or its own OIDC issuer), which verifies the token and hands the
 * Lambda its claims in `event.requestContext.authorizer.jwt.claims`. On one machine there is neither, so this
 * module plays both parts: it mints RS256 access tokens for any Propdesk role, and verifies them as the JWT
 * authorizer does, handing back the claims in the shape the handlers receive in AWS.
 *
 * The key pair is kept as a private JWK in `<dataDir>/token-issuer.json` (mode 0600), so tokens minted before
 * a restart, or by `propdesk token` while the platform is stopped, stay valid; delete the file to revoke every
 * local token. Without a data directory the key lives in memory only.
 *
 * What the verifier checks, after API Gateway's HTTP API JWT authorizer (docs.aws.amazon.com/apigateway/latest/
 * developerguide/http-api-jwt-authorizer.html): the token's `kid` names a key of the issuer's JWKS, the RSA
 * signature, `iss`, `aud`, `exp` (present and in the future), `nbf` and `iat` (not in the future). Route scopes
 * are not checked: Propdesk's routes authorize by role, not by scope.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JwtVerifier } from 'aws-jwt-verify';
import { JwtExpiredError, JwtParseError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ROLES, type Role } from '../shared/auth/roles.js';

export const DEFAULT_LOCAL_ISSUER = 'http://127.0.0.1/propdesk-local-issuer';
export const DEFAULT_LOCAL_AUDIENCE = 'propdesk-local';
/** The claim listing a local token's roles: what the handlers' ROLES_CLAIM is set to locally. */
export const LOCAL_ROLES_CLAIM = 'roles';
/** The key file's name in the data directory. */
export const KEY_FILE_NAME = 'token-issuer.json';

const ALGORITHM = 'RS256';

export interface LocalIssuerOptions {
  /** Where the key is kept across restarts (`.propdesk` for `npm start`); in memory when absent. */
  readonly dataDir?: string;
  /** The `iss` of minted tokens and the only issuer accepted. A URL; it need not be served. */
  readonly issuer?: string;
  /** The `aud` and `client_id` of minted tokens and the only audience accepted. */
  readonly audience?: string;
}

export interface MintOptions {
  /** The `sub` claim: who the caller is. */
  readonly subject: string;
  /** The Propdesk roles the token grants, in the `roles` claim as a JSON array. */
  readonly roles: readonly Role[];
  /** Seconds from now until `exp`; a positive whole number, one hour unless given. */
  readonly expiresInSeconds?: number;
  /** The firm, in a `tenant` claim, when given. */
  readonly tenant?: string;
}

/** A claim value as API Gateway's HTTP API JWT authorizer passes it to a Lambda integration. */
export type FlatClaim = string | number | boolean;
export type FlatClaims = Record<string, FlatClaim>;

export type VerifyFailure = 'missing' | 'malformed' | 'expired' | 'invalid';
export type VerifyResult = { readonly ok: true; readonly claims: FlatClaims } | { readonly ok: false; readonly reason: VerifyFailure };

/** The issuer's public key, as published in its JWKS. */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: typeof ALGORITHM;
  readonly use: 'sig';
}

export interface LocalIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** The public JWKS (one key, with its `kid`), as an issuer serves it at its `jwks_uri`. */
  readonly jwks: { readonly keys: readonly PublicJwk[] };
  /** The file holding the private key, or null when it lives in memory. */
  readonly keyFile: string | null;
  /** Signs an access token for the subject and roles. */
  mint(options: MintOptions): Promise<string>;
  /** Verifies a token as API Gateway's JWT authorizer would; never throws for a bad token. */
  verify(token: string | undefined): Promise<VerifyResult>;
}

/** The token in an `Authorization: Bearer <token>` header value (the scheme in any case), or undefined. */
export function bearerToken(authorizationHeader: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)$/i.exec(authorizationHeader?.trim() ?? '');
  return match?.[1];
}

/**
 * A token's claims as API Gateway's HTTP API JWT authorizer hands them to a Lambda integration (payload format
 * 2.0, `requestContext.authorizer.jwt.claims`): strings, numbers and booleans as they are, an array as one
 * string, its items separated by spaces inside brackets (`["risk", "admin"]` becomes `"[risk admin]"`).
 *
 * Sources, checked for this module: AWS's page on HTTP API JWT authorizers says only that the validated token's
 * claims are passed to the integration (`$event.requestContext.authorizer.jwt.claims.<name>`) and does not
 * document how values are written. The only AWS page that does, "Pass JWT claims to your integration", is for
 * REST API JWT authorizers (values keep their JSON type there, arrays stay arrays), a different product. The
 * bracketed, space-separated array form for HTTP APIs is what deployed APIs show: see
 * github.com/aws-solutions-library-samples/guidance-for-claude-code-with-amazon-bedrock issue 802 and pull
 * request 803, and `rolesFromClaim` in shared/auth/roles.ts, which reads that form. Those same reports (and
 * github.com/awsdocs/amazon-api-gateway-developer-guide issue 113) show numbers such as `exp` arriving as
 * strings too ("1612061676"); numbers and booleans are nevertheless kept as they are here, as decided for the
 * local platform, so a handler should read them with Number() (as functions/me does), which works either way.
 * Objects (and null), which no Propdesk token carries, become their JSON text: unverified against AWS.
 */
export function flattenClaims(payload: Readonly<Record<string, unknown>>): FlatClaims {
  const claims: FlatClaims = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) continue;
    claims[name] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : flatText(value);
  }
  return claims;
}

function flatText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flatText).join(' ')}]`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** A failed check of our own (API Gateway's rules that aws-jwt-verify does not apply by default). */
class LocalClaimError extends Error {}

export async function createLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const issuer = options.issuer ?? DEFAULT_LOCAL_ISSUER;
  const audience = options.audience ?? DEFAULT_LOCAL_AUDIENCE;
  if (!URL.canParse(issuer)) throw new Error(`the token issuer must be a URL, not ${JSON.stringify(issuer)}`);
  if (audience === '') throw new Error('the token audience must not be empty');

  const keyFile = options.dataDir === undefined ? null : join(options.dataDir, KEY_FILE_NAME);
  const privateJwk = keyFile === null ? await newPrivateJwk() : await loadOrCreateKey(keyFile);
  const kid = privateJwk.kid!;
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const publicJwk: PublicJwk = { kty: 'RSA', n: privateJwk.n!, e: privateJwk.e!, kid, alg: ALGORITHM, use: 'sig' };
  const jwks = { keys: [publicJwk] };

  const verifier = JwtVerifier.create({
    issuer,
    audience,
    graceSeconds: 0,
    customJwtCheck: ({ payload }: { payload: JwtPayload }) => {
      // API Gateway requires exp (aws-jwt-verify checks it only when present) and an iat not in the future.
      if (payload.exp === undefined) throw new LocalClaimError('the token has no exp claim');
      if (payload.iat !== undefined && payload.iat > Date.now() / 1000) throw new LocalClaimError('the token was issued in the future');
    },
  });
  // The JWKS is handed over here and verifySync below only ever reads this cache: no JWKS is fetched, even for
  // a token naming an unknown kid (the async verify() would try the issuer's jwks_uri).
  verifier.cacheJwks({ keys: [{ ...publicJwk }] });

  return {
    issuer,
    audience,
    jwks,
    keyFile,
    async mint({ subject, roles, expiresInSeconds = 3600, tenant }) {
      if (typeof subject !== 'string' || subject === '') throw new RangeError('a token needs a subject');
      const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (unknown.length > 0) throw new RangeError(`unknown role ${unknown.join(', ')}; known roles: ${ROLES.join(', ')}`);
      if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1) throw new RangeError(`expiresInSeconds must be a positive whole number, not ${expiresInSeconds}`);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles: [...roles], client_id: audience, token_use: 'access', ...(tenant !== undefined && { tenant }) })
        .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresInSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    async verify(token) {
      if (token === undefined || token.trim() === '') return { ok: false, reason: 'missing' };
      try {
        return { ok: true, claims: flattenClaims(verifier.verifySync(token)) };
      } catch (error) {
        if (error instanceof JwtExpiredError) return { ok: false, reason: 'expired' };
        if (error instanceof JwtParseError) return { ok: false, reason: 'malformed' };
        // Signature, kid, algorithm, issuer, audience, nbf, our own checks, and anything unexpected: fail closed.
        return { ok: false, reason: 'invalid' };
      }
    },
  };
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  // The kid is the RFC 7638 thumbprint of the public key: stable for the key, different for any other.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! });
  return { ...jwk, kid, alg: ALGORITHM, use: 'sig' };
}

/**
 * The key in the file, or a new one written there. The new key is written whole to a private temporary file
 * and linked into place, which fails if another process (the platform, or `propdesk token`) got there first;
 * then theirs is used, so both sign with the same key.
 */
async function loadOrCreateKey(file: string): Promise<JWK> {
  const existing = await readKeyFile(file);
  if (existing !== null) return existing;
  const jwk = await newPrivateJwk();
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const theirs = await readKeyFile(file);
    if (theirs === null) throw error;
    return theirs;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readKeyFile(file: string): Promise<JWK | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    jwk = null;
  }
  const isRsaPrivateJwk =
    typeof jwk === 'object' &&
    jwk !== null &&
    (jwk as JWK).kty === 'RSA' &&
    ['n', 'e', 'd', 'kid'].every((field) => typeof (jwk as Record<string, unknown>)[field] === 'string');
  if (!isRsaPrivateJwk) {
    throw new Error(`${file} is not a token issuer key (expected an RSA private JWK with a kid); delete it to make a new key, which ends every token signed with the old one`);
  }
  return jwk as JWK;
}
