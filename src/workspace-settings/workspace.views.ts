import { anyObject, apiSchema, arr, described, instant, map, obj, str, uuid } from '../common/api-schema';

export const WorkspaceSchema = apiSchema(
  'Workspace',
  obj({
    id: uuid,
    slug: str,
    name: str,
    timezone: described(str, 'IANA time zone', 'Asia/Shanghai'),
    currency: described(str, 'ISO 4217', 'CNY'),
    locale: str,
    scoringCron: described(str, 'when the nightly run starts (cron, workspace time zone)', '0 2 * * *'),
    settings: described(
      map(anyObject),
      'every section (worklist, assignments, pool, scoring, fieldOwnership…) with defaults filled in; docs/workspaces.md',
    ),
    overrides: described(map(anyObject), 'what the workspace set itself (the stored overrides)'),
    invalid: described(
      arr(obj({ path: str, message: str })),
      'stored overrides that no longer validate (their section is left out of settings)',
    ),
    createdAt: instant,
    updatedAt: instant,
  }),
);
export const WorkspaceUpdateSchema = apiSchema(
  'WorkspaceUpdate',
  obj({
    workspace: WorkspaceSchema,
    changed: described(
      map(obj({ before: {}, after: {} })),
      'changed fields by path, with their old and new value',
    ),
    warnings: described(arr(str), 'what the change does to data the workspace holds'),
  }),
);
export const TalkTrackPreviewSchema = apiSchema(
  'TalkTrackPreview',
  obj({
    personality: described(str, 'the track used: a personality or neutral', 'rational'),
    locale: str,
    situation: described(str, 'the situation of the call', 'winback_at_risk'),
    partials: described(map(str), 'the partial used for each part', { value: 'value.rational' }),
    text: described(str, 'the call script, plain text, rep notes in brackets'),
  }),
);
