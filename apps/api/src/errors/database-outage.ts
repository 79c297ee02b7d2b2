const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// Postgres SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown),
// and 57014: a statement cancelled at statement_timeout (an overloaded or locked database).
const SQLSTATE = /^(08|57P|57014$)/;
const RELEASED = new Set(['QueryRunnerProviderAlreadyReleasedError', 'QueryRunnerAlreadyReleasedError']);
// 'Query read timeout': pg's own timer, when an overloaded server or process took too long to answer.
const MESSAGES = /Query read timeout|Connection terminated|timeout exceeded when trying to connect|Connection ended|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/**
 * Redis and Docker errors are translated where those clients are called; pg's come from deep
 * inside TypeORM, so they are recognised here. Returns the cause in words, or null.
 */
export function databaseOutage(e: unknown): string | null {
  const err = e as { name?: string; code?: string; message?: string; driverError?: { code?: string; message?: string } };
  // TypeORM releases a transaction's runner when its connection breaks (Postgres killed mid-way);
  // the transaction's next query or its commit then throws one of these instead of pg's own error.
  if (RELEASED.has(err?.name ?? '')) return 'the connection to the database was lost during the request';
  const code = err?.driverError?.code ?? err?.code;
  const message = err?.driverError?.message ?? err?.message ?? '';
  if ((code && (CONNECTION_CODES.has(code) || SQLSTATE.test(code))) || MESSAGES.test(message)) return message || code || 'unreachable';
  return null;
}
