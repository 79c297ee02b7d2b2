/**
 * A normal user, in a thread of its own (so the fuzzer's own floods cannot delay it): GET a URL on
 * a new connection every 100 ms until told to stop, then post the latencies and the failures.
 */
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { url, authorization } = workerData as { url: string; authorization: string };
let stopped = false;
parentPort!.once('message', () => (stopped = true));

const once = () =>
  new Promise<{ ms?: number; failure?: string }>((resolve) => {
    const t0 = performance.now();
    const req = get(url, { headers: { authorization }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? { ms: performance.now() - t0 } : { failure: String(res.statusCode) }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => resolve({ failure: e.message }));
  });

void (async () => {
  const ms: number[] = [];
  const failures: string[] = [];
  while (!stopped) {
    const { ms: took, failure } = await once();
    if (took !== undefined) ms.push(took);
    if (failure) failures.push(failure);
    await new Promise((r) => setTimeout(r, 100));
  }
  parentPort!.postMessage({ ms, failures });
})();
