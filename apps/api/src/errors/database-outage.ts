const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// Postgres SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
const SQLSTATE = /^(08|57P)/;
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Connection ended|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/**
 * Redis and Docker errors are translated where those clients are called; pg's come from deep
 * inside TypeORM, so they are recognised here. Returns the cause in words, or null.
 */
export function databaseOutage(e: unknown): string | null {
  const err = e as { code?: string; message?: string; driverError?: { code?: string; message?: string } };
  const code = err?.driverError?.code ?? err?.code;
  const message = err?.driverError?.message ?? err?.message ?? '';
  if ((code && (CONNECTION_CODES.has(code) || SQLSTATE.test(code))) || MESSAGES.test(message)) return message || code || 'unreachable';
  return null;
}
