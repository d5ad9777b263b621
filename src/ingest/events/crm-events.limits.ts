/** Path prefix of inbound CRM webhooks; bootstrap gives it a raw-body parser so signatures cover the exact bytes. */
export const CRM_EVENTS_PATH = '/v1/crm/events';
/** Largest inbound webhook body (bigger → 413 payload_too_large before anything else is read). */
export const CRM_EVENTS_BODY_LIMIT = '1mb';
