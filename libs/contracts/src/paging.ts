/**
 * The largest `offset` a list takes. Without a cap, an integer past Postgres's bigint (1e20 passes
 * IsInt) reached `OFFSET` and failed there: a 500. No list is that long.
 */
export const MAX_OFFSET = 2 ** 31 - 1;
