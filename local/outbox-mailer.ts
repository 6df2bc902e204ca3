/** The local platform's email: each message a text file in the outbox folder (and kept in memory for tests). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Email, Mailer } from '../shared/ports/credentials.js';

export class OutboxMailer implements Mailer {
  readonly sent: Email[] = [];

  /** Without a folder, messages are only kept in memory. */
  constructor(private readonly folder?: string) {
    if (folder !== undefined) mkdirSync(folder, { recursive: true });
  }

  async send(email: Email): Promise<void> {
    this.sent.push(email);
    if (this.folder === undefined) return;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${email.to.replace(/[^A-Za-z0-9@.-]/g, '_')}.txt`;
    writeFileSync(join(this.folder, name), `To: ${email.to}\nSubject: ${email.subject}\n\n${email.text}\n`);
  }
}
