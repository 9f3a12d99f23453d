import { DomainError } from '../../common/domain-error.js';

export enum AlertsErrorCode {
  InvalidAlertRule = 'INVALID_ALERT_RULE',
  AlertRuleNotFound = 'ALERT_RULE_NOT_FOUND',
  InvalidWebhook = 'INVALID_WEBHOOK',
  WebhookNotFound = 'WEBHOOK_NOT_FOUND',
  DuplicateWebhook = 'DUPLICATE_WEBHOOK',
}

export class AlertsError extends DomainError<AlertsErrorCode> {}
