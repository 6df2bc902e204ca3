/**
 * Who may do what through the API: every caller's JWT names one or more of these roles. Traders see their
 * own accounts; the risk desk reviews and overrides; admins configure the firm; services are machines
 * (bridges, processors) calling on their own behalf.
 */
export const ROLES = ['trader', 'risk', 'admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * The roles in a token's roles claim, as API Gateway's JWT authorizer hands it over: a JSON array, or (for
 * an array claim) the string `[admin risk]`, or a single name. Unknown names are dropped, never guessed at.
 */
export function rolesFromClaim(claim: unknown): Role[] {
  const names = Array.isArray(claim)
    ? claim.filter((name): name is string => typeof name === 'string')
    : typeof claim === 'string'
      ? claim.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return ROLES.filter((role) => names.some((name) => isRole(name) && name === role));
}
