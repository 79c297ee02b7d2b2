/**
 * Postgres refuses text holding a NUL character (SQLSTATE 22021, "invalid byte sequence for
 * encoding UTF8: 0x00"), wherever it came from: a body field, a query or path parameter. It is the
 * request's text that cannot be stored or looked up, a 400, not a 500. True for that error.
 */
export function isUnstorableText(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  return (err?.driverError?.code ?? err?.code) === '22021';
}
