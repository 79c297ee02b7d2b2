/** Runs the generated cases of one operation as one caller and keeps what came back. */
import fc from 'fast-check';
import { Agent } from 'node:http';
import type { Caller, FuzzWorld, Role } from './fuzz-world';
import { FuzzRequest, requestsFor } from './fuzz-requests';
import { judge, Verdict } from './fuzz-oracles';
import type { Operation } from './openapi-operations';
import { sendRaw } from './raw-http';

export interface Failure extends Verdict {
  readonly op: string;
  readonly role: Role;
  readonly method: string;
  readonly target: string;
  readonly variant: string;
}

export interface Cell {
  readonly op: string;
  readonly role: Role;
  readonly cases: number;
  readonly statuses: ReadonlyMap<number, number>;
  readonly failures: readonly Failure[];
  readonly ms: number;
}

/** The seed of one operation × role, from the run's seed: any cell replays alone with the same numbers. */
export function cellSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of key) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

/** The cases fast-check generates for `op` as `caller` from `seed`, the same every time for the same seed. */
export function casesFor(op: Operation, caller: Caller, world: FuzzWorld, seed: number, runs: number): FuzzRequest[] {
  const ctx = { world, caller, readOnly: op.method === 'GET' };
  return fc.sample(requestsFor(op, ctx), { seed: cellSeed(seed, `${op.key} as ${caller.role}`), numRuns: runs });
}

const short = (s: string) => (s.length > 160 ? `${s.slice(0, 150)}…(${s.length})` : s);

export async function runCell(op: Operation, caller: Caller, world: FuzzWorld, seed: number, runs: number, concurrency: number): Promise<Cell> {
  const started = Date.now();
  const cases = casesFor(op, caller, world, seed, runs);
  const statuses = new Map<number, number>();
  const failures: Failure[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const req = cases[next++];
      const answer = await sendRaw(world.baseUrl, req, agent);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      for (const v of judge(answer, req, caller, world)) {
        failures.push({ ...v, op: op.key, role: caller.role, method: req.method, target: short(req.target), variant: req.variant });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { op: op.key, role: caller.role, cases: cases.length, statuses, failures, ms: Date.now() - started };
}
