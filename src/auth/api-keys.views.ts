import { apiSchema, instant, nullable, obj, oneOfValues, str, uuid } from '../common/api-schema';

const ROLES = ['rep', 'manager', 'admin', 'integration'];

const keyFields = {
  id: uuid,
  name: str,
  prefix: {
    type: 'string',
    description: 'the visible part of the key (`cpk_<prefix>_…`)',
    example: 'cpk_558a0b0f',
  },
  role: oneOfValues(ROLES),
  rep: nullable(
    obj({ id: uuid, externalId: nullable(str) }, { description: 'the rep a rep/manager key acts as' }),
  ),
  createdAt: instant,
  lastUsedAt: nullable(instant),
  expiresAt: nullable(instant),
  revokedAt: nullable(instant),
  status: oneOfValues(['active', 'expired', 'revoked']),
  rotatedFrom: nullable({ ...uuid, description: 'the key this one replaced' }),
} as const;

const EXAMPLE = {
  id: '84a2a206-c00c-4eef-9374-9606fc12ad77',
  name: 'crm sync',
  prefix: 'cpk_558a0b0f',
  role: 'integration',
  rep: null,
  createdAt: '2026-12-06T13:47:03.216Z',
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
  status: 'active',
  rotatedFrom: null,
};

export const ApiKeyView = apiSchema(
  'ApiKey',
  obj(keyFields, { description: 'A key as admins see it: everything but the secret', example: EXAMPLE }),
);
export const ApiKeyListView = apiSchema('ApiKeyList', obj({ items: { type: 'array', items: ApiKeyView } }));
const secret = {
  type: 'string',
  description: 'the whole key, shown only in this answer',
  example: 'cpk_558a0b0f_Yk3vXlq0mJxk2m8cJ2hT0bqfZl9QkWcB4f1yQxKp7dA',
} as const;
export const CreatedApiKeyView = apiSchema(
  'CreatedApiKey',
  obj({ ...keyFields, key: secret }, { example: { ...EXAMPLE, key: secret.example } }),
);
export const RotatedApiKeyView = apiSchema(
  'RotatedApiKey',
  obj({
    ...keyFields,
    key: secret,
    previous: { allOf: [ApiKeyView], description: 'the old key, valid until the end of the overlap' },
  }),
);
