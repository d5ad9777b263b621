import { apiSchema, arr, bigId, described, instant, nullable, obj, str } from '../common/api-schema';

export const AuditPageSchema = apiSchema(
  'AuditLogPage',
  obj({
    items: arr(
      obj({
        id: bigId,
        at: instant,
        actor: described(str, 'who: `key:<id>`, `cli`, `system`…'),
        action: str,
        subject: nullable(str),
        details: described({}, 'what changed (before/after, counts); never personal data'),
      }),
    ),
    nextBefore: described(nullable(bigId), 'pass as `before` for the next page'),
  }),
);
