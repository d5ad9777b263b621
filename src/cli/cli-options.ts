import { InvalidArgumentError } from 'commander';

/** A commander option parser for a non-negative integer; `name` is the flag, for the error message. */
export function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}
