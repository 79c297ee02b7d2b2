/** What every answer must be: no 5xx, an answer at all, a JSON `message` on a 4xx, no data of another school. */
import type { Caller, FuzzWorld } from './fuzz-world';
import type { FuzzRequest } from './fuzz-requests';
import type { Answer } from './raw-http';

export type FailureKind = '5xx' | 'no-answer' | '4xx-without-message' | 'cross-tenant' | 'host-file';

export interface Verdict {
  readonly kind: FailureKind;
  readonly detail: string;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Everything the caller sent, lower-cased: a value it sent may come back without being a leak. */
export function sentText(req: FuzzRequest): string {
  return [decode(req.target), req.body?.toString('utf8') ?? '', ...req.headers.map(([k, v]) => `${k}: ${v}`)].join('\n').toLowerCase();
}

/** The 4xx body's `message`: a non-empty string or list of strings, or undefined. */
export function messageOf(body: string): string | undefined {
  try {
    const { message } = JSON.parse(body) as { message?: unknown };
    if (typeof message === 'string' && message.trim()) return message;
    if (Array.isArray(message) && message.length && message.every((m) => typeof m === 'string' && m.trim())) return message.join('; ');
  } catch {
    // not JSON
  }
  return undefined;
}

export function judge(answer: Answer, req: FuzzRequest, caller: Caller, world: FuzzWorld): Verdict[] {
  const verdicts: Verdict[] = [];
  if (answer.status === 0) return [{ kind: 'no-answer', detail: answer.error ?? 'no answer' }];
  if (answer.status >= 500) verdicts.push({ kind: '5xx', detail: `${answer.status} ${answer.body.slice(0, 300)}` });
  if (answer.status >= 400 && answer.status < 500 && messageOf(answer.body) === undefined) {
    verdicts.push({ kind: '4xx-without-message', detail: `${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}` });
  }
  const shown = `${answer.body}\n${JSON.stringify(answer.headers)}`.toLowerCase();
  if (shown.includes(world.hostMarker.text.toLowerCase())) verdicts.push({ kind: 'host-file', detail: `the host's ${world.hostMarker.path} came back` });
  if (caller.outsideSchoolB) {
    const sent = sentText(req);
    const leaked = world.secrets.filter((s) => shown.includes(s.toLowerCase()) && !sent.includes(s.toLowerCase()));
    if (leaked.length) verdicts.push({ kind: 'cross-tenant', detail: `school B's ${leaked.join(', ')} in a ${answer.status}` });
  }
  return verdicts;
}
