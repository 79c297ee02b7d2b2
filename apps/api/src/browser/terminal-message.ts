export type TerminalMessage = { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number };

/**
 * A text frame from the browser's terminal, or undefined for anything else: the browser sends
 * `{type: "input", data}` and `{type: "resize", cols, rows}`, but any client can send any frame
 * (`null` once threw in the socket's message handler, an uncaught exception that ended the API).
 */
export function parseTerminalMessage(text: string): TerminalMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const m = message as Record<string, unknown>;
  if (m.type === 'input' && typeof m.data === 'string') return { type: 'input', data: m.data };
  if (m.type === 'resize' && Number.isFinite(m.cols) && Number.isFinite(m.rows)) return { type: 'resize', cols: m.cols as number, rows: m.rows as number };
  return undefined;
}
