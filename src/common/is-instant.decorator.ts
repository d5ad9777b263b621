import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseInstant } from './instant';

/** DTO field: an ISO 8601 date-time with its UTC offset (see parseInstant); without one it is a 400 naming the field. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseInstant(value) !== null,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an ISO 8601 date-time with its UTC offset (Z or ±hh:mm), ` +
          'e.g. 2026-11-26T10:00:00+08:00: a time without an offset is ambiguous',
      },
    },
    options,
  );
}
