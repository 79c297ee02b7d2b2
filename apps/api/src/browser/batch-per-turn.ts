/**
 * Wraps `write` so what it is given within one turn of the event loop goes out as one call, in
 * order. A terminal's keystrokes come as one WebSocket message each, and thousands can arrive in
 * one chunk (a paste, or a flood): one write to the lab per turn instead of one per message keeps
 * the API answering everyone else.
 */
export function batchPerTurn(write: (data: string) => void): (data: string) => void {
  let pending: string[] = [];
  const flush = () => {
    const data = pending.join('');
    pending = [];
    write(data);
  };
  return (data) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(data);
  };
}
