/** TaskCallbacks on Step Functions: SendTaskSuccess and SendTaskFailure, a task that no longer waits answered with false. */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskCallbacks } from '../../ports/task-tokens.js';

type Sender = Pick<SFNClient, 'send'>;

/** The errors for a token whose task has ended (timed out, answered, or its execution stopped). */
const NOT_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** SendTaskFailure's limits: error 256 characters, cause 32,768. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export class StepFunctionsTaskCallbacks implements TaskCallbacks {
  constructor(private readonly sfn: Sender) {}

  succeed(token: string, output: unknown): Promise<boolean> {
    return this.send(() => this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })));
  }

  fail(token: string, error: string, cause: string): Promise<boolean> {
    return this.send(() => this.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: error.slice(0, MAX_ERROR), cause: cause.slice(0, MAX_CAUSE) })));
  }

  private async send(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (NOT_WAITING.has((error as Error).name)) return false;
      throw error;
    }
  }
}
