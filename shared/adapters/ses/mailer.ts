/** Mailer on SES (v2 SendEmail), from the firm's verified sender address. */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Email, Mailer } from '../../ports/credentials.js';

type Sender = Pick<SESv2Client, 'send'>;

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: Sender,
    private readonly from: string,
  ) {}

  async send({ to, subject, text }: Email): Promise<void> {
    await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: subject, Charset: 'UTF-8' }, Body: { Text: { Data: text, Charset: 'UTF-8' } } } },
      }),
    );
  }
}
