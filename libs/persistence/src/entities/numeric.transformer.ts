import { ValueTransformer } from 'typeorm';

/** pg returns numeric as a string to keep precision; CPU counts fit a JS number. */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
