import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * DTO field that may be left out but is never null: absent skips the field's other checks (as `@IsOptional()`
 * does), while null goes through them and is refused with a 400 naming the field. `@IsOptional()` lets null
 * through too, and a service reading "not undefined" as "given" would then act on it.
 */
export function Omittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
