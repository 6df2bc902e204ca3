/**
 * The metric contract between the functions and the stack's alarms and dashboard (functions/README.md):
 * each function's custom metrics, all Count, in one namespace, with the dimensions service and tenant.
 * Plain data with no imports, so the CDK app reads it without loading the Powertools runtime.
 */
export const METRICS_NAMESPACE = 'Propdesk';

export const METRICS = {
  evaluator: ['RecordsEvaluated', 'RecordsQuarantined', 'AccountsSaved', 'AccountsRetried', 'EventsPublished'],
  ingest: ['EventsAccepted', 'RequestsRejected', 'RequestsFailed'],
  rollover: ['ClockEventsPut'],
  callbacks: ['AnswersResumed', 'AnswersLate', 'AnswersInvalid'],
  detectors: ['TradesJudged', 'IdentitiesObserved', 'FlagsRaised', 'AlertsRaised', 'InvalidRecords', 'RecordsRetried'],
} as const;
