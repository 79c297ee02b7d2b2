import { InitialSchema1764280000000 } from './1764280000000-initial-schema';

/** Every migration, in order. Migrations only add: never edit one that has shipped. */
export const MIGRATIONS = [InitialSchema1764280000000];
