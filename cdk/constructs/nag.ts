/**
 * cdk-nag 3 findings are acknowledged where their cause is built, each with the reason a security reviewer
 * reads in the validation report. `rule` is the AwsSolutions rule, with its finding for granular rules
 * (`IAM5[Resource::*]`).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}
