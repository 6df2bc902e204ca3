/**
 * A trading login's password between the bridge's answer and the credentials email. It is kept out of
 * the workflow's execution history and the bus archive: stored in the (encrypted) table for as long as the
 * delivery may take, read by the email step, then deleted.
 */
export interface TradingCredentials {
  readonly platform: string;
  readonly login: string;
  readonly server: string;
  readonly password: string;
}

export interface CredentialVault {
  stash(accountId: string, credentials: TradingCredentials, expiresAt: number): Promise<void>;
  /** The credentials; 'delivered' once mailed (the password is gone); undefined when none were ever stashed (or they expired). */
  read(accountId: string): Promise<TradingCredentials | 'delivered' | undefined>;
  /** Deletes the password and remembers the delivery until the stash expires, so a retried step mails nothing twice. */
  markDelivered(accountId: string): Promise<void>;
}

export interface Email {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Sends one email (SES when deployed; locally a file in the outbox folder). */
export interface Mailer {
  send(email: Email): Promise<void>;
}
