import {
  anyObject,
  apiSchema,
  arr,
  bigId,
  bool,
  described,
  instant,
  int,
  nullable,
  obj,
  oneOfValues,
  str,
  uuid,
} from '../common/api-schema';
import { EVENT_TYPES } from './event-types';

const nstr = nullable(str);
const endpointFields = {
  id: uuid,
  url: str,
  eventTypes: arr(oneOfValues(EVENT_TYPES), 'subscribed types; empty = every type'),
  active: bool,
  disabledReason: nullable(oneOfValues(['manual', 'failing', 'gone'])),
  disabledAt: nullable(instant),
  failingSince: nullable(instant),
  previousSecretExpiresAt: described(
    nullable(instant),
    "end of the rotation overlap: until then deliveries carry the previous secret's signature too",
  ),
  createdAt: instant,
  updatedAt: instant,
};
const EXAMPLE = {
  id: 'e842fff0-3746-4f53-8dc9-e0c0869ef563',
  url: 'https://crm.example.com/hooks/callplan',
  eventTypes: ['worklist.published'],
  active: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  previousSecretExpiresAt: null,
  createdAt: '2026-12-06T13:47:03.216Z',
  updatedAt: '2026-12-06T13:47:03.216Z',
};
const secret = described(
  str,
  'the signing secret, shown only in this answer',
  'whsec_uaKTMiXzpirFm2wlWxJdOBaTMTTi87SQ',
);

export const WebhookEndpointSchema = apiSchema('WebhookEndpoint', obj(endpointFields, { example: EXAMPLE }));
export const WebhookEndpointListSchema = apiSchema('WebhookEndpointList', arr(WebhookEndpointSchema));
export const WebhookEndpointWithSecretSchema = apiSchema(
  'WebhookEndpointWithSecret',
  obj({ ...endpointFields, secret }, { example: { ...EXAMPLE, secret: secret.example } }),
);

export const DeliverySchema = apiSchema(
  'WebhookDelivery',
  obj({
    id: bigId,
    endpointId: uuid,
    messageId: described(str, 'the webhook-id header: the same for every attempt and replay'),
    eventType: str,
    status: oneOfValues(['pending', 'delivered', 'failed', 'dead']),
    attempts: int,
    responseStatus: nullable(int),
    responseBody: described(nstr, "the receiver's answer, first 2 KiB"),
    error: nstr,
    lastAttemptAt: nullable(instant),
    nextAttemptAt: nullable(instant),
    deliveredAt: nullable(instant),
    createdAt: instant,
  }),
);
export const DeliveryListSchema = apiSchema('WebhookDeliveryList', arr(DeliverySchema));
export const AttemptSchema = apiSchema(
  'WebhookAttempt',
  obj({
    deliveryId: bigId,
    status: oneOfValues(['delivered', 'failed', 'dead', 'skipped']),
    httpStatus: nullable(int),
    error: nstr,
    nextAttemptAt: nullable(instant),
  }),
);
export const RecoverSchema = apiSchema(
  'WebhookRecover',
  obj({ scheduled: described(int, 'failed deliveries scheduled again') }, { example: { scheduled: 12 } }),
);
export const EventTypeListSchema = apiSchema(
  'WebhookEventTypeList',
  arr(
    obj({
      type: oneOfValues(EVENT_TYPES),
      description: str,
      schema: described(anyObject, "JSON Schema of the event's `data` (also in components: <Type>EventData)"),
      example: anyObject,
    }),
  ),
);
