import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LabfleetConfig } from '@labfleet/config';

/** Node's own HTTP parser errors, by code: the status it would answer, and what we say. */
const PARSER_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, error: 'Request Header Fields Too Large', message: 'request headers are larger than the server accepts' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, error: 'Payload Too Large', message: 'chunk extensions are larger than the server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'Request Timeout', message: 'the request did not arrive in time' },
};

/**
 * The raw answer to a request Node refused before the app saw it (431, 408, a malformed request's
 * 400), with a JSON body naming what is wrong like every other error: Node's default has no body.
 */
export function clientErrorResponse(error: NodeJS.ErrnoException & { reason?: string }): string {
  const known = PARSER_ERRORS[error.code ?? ''];
  const { status, error: name, message } = known ?? { status: 400, error: 'Bad Request', message: `malformed request: ${error.reason ?? error.code ?? error.message}` };
  const body = JSON.stringify({ statusCode: status, error: name, message });
  return `HTTP/1.1 ${status} ${name}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Slow clients are cut at the configured timeouts, and Node's own refusals answer in JSON. Before listen. */
export function configureHttpServer(server: Server, config: LabfleetConfig): void {
  server.headersTimeout = config.http.headersTimeoutSeconds * 1000;
  server.requestTimeout = config.http.requestTimeoutSeconds * 1000;
  // Node checks both timeouts every 30 s by default, so a slow head would live up to 30 s past
  // its timeout; the check walks the open connections, cheap once a second. Read at 'listening'.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
    // As Node's default: nothing more to a socket that is gone or already has an answer under way.
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error), () => socket.destroy());
  });
}
