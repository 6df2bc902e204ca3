/**
 * Sumsub as a KycProvider, and its webhooks as KycDecisions.
 *
 * Requests carry Sumsub's App Token signature: X-App-Access-Sig is the hex HMAC-SHA256, with the
 * secret key, of "<unix seconds><METHOD><path with query><body>". Webhooks carry X-Payload-Digest, the
 * hex HMAC of the raw body with the webhook secret, in the algorithm X-Payload-Digest-Alg names. The
 * digest covers no timestamp, so a replayed webhook verifies: it is harmless because its eventId is
 * the same as the original's, and the core applies an event once.
 *
 * The applicantReviewed webhook carries no document data, so an approved applicant's identity (for the abuse
 * engine) is read from the applicant itself, GET /resources/applicants/{id}/one, whose `info.idDocs` holds what
 * Sumsub recognized on the documents: the app token needs the "View applicants" permission, as the lookup by
 * externalUserId already does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { pathOf } from '../../parsing.js';
import type { ApplicantRequest, KycDecision, KycOutcome, KycProvider, NewApplicant, VerifiedApplicant } from '../../workflows/kyc.js';

export const SUMSUB_PROVIDER = 'sumsub';

export const DIGEST_HEADER = 'x-payload-digest';
export const DIGEST_ALGORITHM_HEADER = 'x-payload-digest-alg';

/** The algorithm is chosen in the webhook's settings at Sumsub; each delivery names it. */
const DIGEST_ALGORITHMS = { HMAC_SHA1_HEX: 'sha1', HMAC_SHA256_HEX: 'sha256', HMAC_SHA512_HEX: 'sha512' } as const;
export type SumsubDigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

/** How long a verification link stays valid when none is configured. */
const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

const isDigestAlgorithm = (name: string): name is SumsubDigestAlgorithm => Object.hasOwn(DIGEST_ALGORITHMS, name);

export function sumsubDigest(rawBody: string | Uint8Array, secret: string, algorithm: SumsubDigestAlgorithm): string {
  return createHmac(DIGEST_ALGORITHMS[algorithm], secret).update(rawBody).digest('hex');
}

/** Coarse on purpose, as for the ingest signature: a forger learns nothing from it. */
export type SumsubWebhookRefusal = 'missing' | 'unknownAlgorithm' | 'mismatch';
export type SumsubWebhookCheck = { readonly ok: true } | { readonly ok: false; readonly reason: SumsubWebhookRefusal };

/** `headers` by lower-case name; `rawBody` exactly as received, since re-serialized JSON would not match. */
export function verifySumsubWebhook(rawBody: string | Uint8Array, headers: Readonly<Record<string, string | undefined>>, secret: string): SumsubWebhookCheck {
  const digest = headers[DIGEST_HEADER];
  const algorithm = headers[DIGEST_ALGORITHM_HEADER];
  if (digest === undefined || digest === '' || algorithm === undefined || algorithm === '') return { ok: false, reason: 'missing' };
  if (!isDigestAlgorithm(algorithm)) return { ok: false, reason: 'unknownAlgorithm' };
  const expected = Buffer.from(sumsubDigest(rawBody, secret, algorithm), 'hex');
  // Buffer.from drops what is not hex, so the text is checked first; a length reveals nothing secret.
  const received = /^[0-9a-f]+$/i.test(digest) ? Buffer.from(digest, 'hex') : Buffer.alloc(0);
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}

const SUMSUB_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;
const isoInstant = z.iso.datetime({ offset: true });

/** Sumsub writes "2020-02-21 13:23:19.111", in UTC; ISO 8601 is accepted as well. */
const sumsubInstant = z
  .string()
  .transform((text, context) => {
    const iso = SUMSUB_TIME.test(text) ? `${text.replace(' ', 'T')}Z` : text;
    const ms = isoInstant.safeParse(iso).success ? Date.parse(iso) : Number.NaN;
    if (!Number.isNaN(ms)) return ms;
    context.issues.push({ code: 'custom', input: text, message: `expected "yyyy-MM-dd HH:mm:ss.SSS" (UTC) or ISO 8601 with Z or an offset, got ${JSON.stringify(text)}` });
    return z.NEVER;
  })
  .describe('when the event happened');

const REVIEWED = 'applicantReviewed';

const WebhookType = z.object({ type: z.string().min(1).describe('the event type, such as applicantReviewed or applicantPending') });

/** The fields of an applicantReviewed webhook that Propdesk reads; others pass and are dropped. */
const ApplicantReviewed = z
  .object({
    applicantId: z.string().min(1),
    inspectionId: z.string().min(1),
    externalUserId: z.string().min(1).describe('the traderId the applicant was created for'),
    type: z.literal(REVIEWED),
    reviewStatus: z.literal('completed').describe('a review is completed when it has an answer'),
    createdAtMs: sumsubInstant,
    reviewResult: z.object({
      reviewAnswer: z.enum(['GREEN', 'RED']),
      rejectLabels: z.array(z.string()).optional(),
      reviewRejectType: z.enum(['FINAL', 'RETRY']).optional().describe('RETRY: the applicant may resubmit; absent on RED: final'),
      moderationComment: z.string().optional().describe('written for the applicant'),
    }),
  })
  .describe('a Sumsub applicantReviewed webhook');
type ApplicantReviewed = z.output<typeof ApplicantReviewed>;

export type SumsubDecisionResult =
  | { readonly ok: true; readonly decision: KycDecision }
  | { readonly ok: true; readonly decision: null; readonly reason: string }
  | { readonly ok: false; readonly error: string };

function outcomeOf({ reviewAnswer, reviewRejectType }: ApplicantReviewed['reviewResult']): KycOutcome {
  if (reviewAnswer === 'GREEN') return 'approved';
  return reviewRejectType === 'RETRY' ? 'resubmissionRequested' : 'rejected';
}

function decisionOf(webhook: ApplicantReviewed): KycDecision {
  const { rejectLabels = [], moderationComment } = webhook.reviewResult;
  const comment = moderationComment?.trim();
  return {
    provider: SUMSUB_PROVIDER,
    applicantId: webhook.applicantId,
    traderId: webhook.externalUserId,
    outcome: outcomeOf(webhook.reviewResult),
    reasons: comment === undefined || comment === '' ? rejectLabels : [...rejectLabels, comment],
    decidedAt: webhook.createdAtMs,
    // From the parsed instant, so both time formats of one event give one id.
    eventId: [webhook.applicantId, webhook.inspectionId, webhook.type, webhook.createdAtMs].join(':'),
  };
}

function errorOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${pathOf(issue.path) || '(payload)'}: ${issue.message}`).join('; ');
}

/** The decision a verified webhook's JSON carries; other event types (applicantPending, …) carry none. */
export function sumsubDecisionOf(payload: unknown): SumsubDecisionResult {
  const typed = WebhookType.safeParse(payload);
  if (!typed.success) return { ok: false, error: errorOf(typed.error) };
  if (typed.data.type !== REVIEWED) return { ok: true, decision: null, reason: `${typed.data.type} is not a review decision` };
  const reviewed = ApplicantReviewed.safeParse(payload);
  return reviewed.success ? { ok: true, decision: decisionOf(reviewed.data) } : { ok: false, error: errorOf(reviewed.error) };
}

export interface SumsubConfig {
  /** Such as https://api.sumsub.com */
  readonly baseUrl: string;
  readonly appToken: string;
  readonly secretKey: string;
  /** The verification level applicants are created at. */
  readonly levelName: string;
  readonly fetch: typeof fetch;
  /** Epoch milliseconds; the signature's timestamp. */
  readonly now: () => number;
  readonly linkTtlSeconds?: number;
}

type Method = 'GET' | 'POST';

const Applicant = z.object({ id: z.string().min(1) });

/** The identity documents Sumsub recognized on an applicant (GET /resources/applicants/{id}/one); other fields pass. */
const ApplicantDocuments = z.object({
  info: z
    .object({
      idDocs: z
        .array(
          z.object({
            idDocType: z.string().nullish().describe('PASSPORT, ID_CARD, DRIVERS, RESIDENCE_PERMIT, ...'),
            country: z.string().nullish().describe('ISO 3166-1 alpha-3 of the issuer'),
            number: z.string().nullish().describe('the document number, when recognized'),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
type ApplicantDocuments = z.output<typeof ApplicantDocuments>;

/** Documents that identify a person, the preferred first: a person verified twice most often shows a passport. */
const IDENTITY_DOCUMENTS = ['PASSPORT', 'ID_CARD', 'RESIDENCE_PERMIT', 'DRIVERS'] as const;

/**
 * <country>:<type>:<number> of the applicant's most preferred identity document with a number, or null. Sumsub
 * lists what it recognized; a firm whose levels accept several document types may see one person verified with a
 * passport once and an ID card the next time, and those are two identities to the engine.
 */
function identityOf(applicant: ApplicantDocuments): string | null {
  const documents = (applicant.info?.idDocs ?? []).flatMap((document) => {
    const rank = IDENTITY_DOCUMENTS.indexOf(document.idDocType as (typeof IDENTITY_DOCUMENTS)[number]);
    const number = document.number?.trim();
    return rank < 0 || number === undefined || number === '' ? [] : [{ rank, text: `${document.country?.trim() ?? ''}:${document.idDocType}:${number}` }];
  });
  return documents.sort((a, b) => a.rank - b.rank)[0]?.text ?? null;
}
const WebSdkLink = z.object({ url: z.url() });
const SumsubError = z.object({ description: z.string() });

const ALREADY_EXISTS = /already exists/i;

/** Sumsub compares fixedInfo with the document, so only a name whose split is unambiguous is sent. */
function fixedInfoOf(name: string | null): { firstName: string; lastName: string } | undefined {
  const words = name?.trim().split(/\s+/) ?? [];
  const [firstName, lastName] = words;
  return words.length === 2 && firstName !== undefined && lastName !== undefined ? { firstName, lastName } : undefined;
}

export class SumsubProvider implements KycProvider {
  readonly name = SUMSUB_PROVIDER;
  private readonly baseUrl: string;

  constructor(private readonly config: SumsubConfig) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
  }

  async createApplicant({ traderId, email, name }: ApplicantRequest): Promise<NewApplicant> {
    const applicantId = await this.applicantFor(traderId, email, name);
    return { applicantId, verificationUrl: await this.verificationUrlFor(traderId) };
  }

  /** The approved applicant's identity document, as Sumsub recognized it; never logged (errors name fields, not values). */
  async verifiedIdentity({ applicantId }: VerifiedApplicant): Promise<string | null> {
    const response = await this.send('GET', `/resources/applicants/${encodeURIComponent(applicantId)}/one`);
    return identityOf(await this.read(response, 'get applicant', ApplicantDocuments));
  }

  /** A trader's applicant is created once: a retried step finds the one created before. */
  private async applicantFor(traderId: string, email: string, name: string | null): Promise<string> {
    const body = { externalUserId: traderId, email, fixedInfo: fixedInfoOf(name) };
    const response = await this.send('POST', `/resources/applicants?levelName=${encodeURIComponent(this.config.levelName)}`, body);
    if (response.status === 409) {
      const message = await messageOf(response);
      if (ALREADY_EXISTS.test(message)) return this.existingApplicant(traderId);
      throw failure('create applicant', response.status, message);
    }
    return (await this.read(response, 'create applicant', Applicant)).id;
  }

  private async existingApplicant(traderId: string): Promise<string> {
    const response = await this.send('GET', `/resources/applicants/-;externalUserId=${encodeURIComponent(traderId)}/one`);
    return (await this.read(response, 'get applicant by externalUserId', Applicant)).id;
  }

  /**
   * Assumed form of Sumsub's WebSDK link endpoint (level in the path, user and TTL in the query); its
   * newer form is POST /resources/sdkIntegrations/levels/-/websdkLink with them in a JSON body.
   */
  private async verificationUrlFor(traderId: string): Promise<string> {
    const ttl = this.config.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS;
    const path = `/resources/sdkIntegrations/levels/${encodeURIComponent(this.config.levelName)}/websdkLink?externalUserId=${encodeURIComponent(traderId)}&ttlInSecs=${ttl}`;
    return (await this.read(await this.send('POST', path), 'create verification link', WebSdkLink)).url;
  }

  private async send(method: Method, path: string, body?: unknown): Promise<Response> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = Math.floor(this.config.now() / 1000);
    const signature = createHmac('sha256', this.config.secretKey).update(`${timestamp}${method}${path}${text}`).digest('hex');
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-App-Token': this.config.appToken,
      'X-App-Access-Ts': String(timestamp),
      'X-App-Access-Sig': signature,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return this.config.fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: text }) });
  }

  private async read<T>(response: Response, what: string, schema: z.ZodType<T>): Promise<T> {
    if (!response.ok) throw failure(what, response.status, await messageOf(response));
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`Sumsub ${what} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new Error(`Sumsub ${what} answered ${response.status} with an unexpected body: ${errorOf(parsed.error)}`);
    return parsed.data;
  }
}

/** Sumsub's error body is JSON with a description; anything else is quoted as it came. */
async function messageOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const parsed = SumsubError.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.description : text;
  } catch {
    return text;
  }
}

const failure = (what: string, status: number, message: string): Error => new Error(`Sumsub ${what} answered ${status}: ${message || '(no message)'}`);
