import { apiSchema, described, nullable, obj, str } from '../common/api-schema';
import { WRITE_BACK_FIELDS } from './write-back-fields';

const mapping = (description: string) =>
  obj(Object.fromEntries(WRITE_BACK_FIELDS.map((f) => [f, f === 'externalId' ? str : nullable(str)])), {
    description,
  });

export const FieldMappingSchema = apiSchema(
  'WriteBackFieldMapping',
  obj({
    fields: mapping('Callplan field → CRM property name (null: not written back)'),
    defaults: mapping('the names used when a field is not mapped'),
    updatedBy: nullable(str),
    updatedAt: described(nullable({ type: 'string', format: 'date-time' }), 'when the mapping was last set'),
  }),
);
