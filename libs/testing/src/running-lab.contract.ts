import { randomBytes } from 'node:crypto';
import { ProviderKind } from '@labfleet/contracts';
import { checkCommand, LabSpec, tarArchive } from '@labfleet/domain';
import type { ContractHarness } from './lab-provider.contract';
import { eventually } from './eventually';
import { digestOf, tarFileDigests } from './tar-digests';
import { terminalScreen } from './terminal-screen';

/**
 * The port's promises about a lab that runs: commands, the terminal, files, ports and listing.
 * One lab serves them all (provisioning is most of a test's time on a real backend); no test
 * counts on what another did there.
 */
export function runningLabContract(harness: () => ContractHarness, spec: () => LabSpec): void {
  describe('on one running lab', () => {
    let lab: LabSpec;
    beforeAll(async () => {
      lab = spec();
      await harness().provider.provision(lab);
    });

    it('labRuntimes lists the lab as running', async () => {
      expect((await harness().provider.labRuntimes()).get(lab.labId)).toEqual({ state: 'running' });
    });

    it('exec bounds output and time', async () => {
      const { provider } = harness();
      const big = await provider.exec(lab.labId, { node: 'node1', command: ['sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo err >&2'], timeoutMs: 10_000 });
      expect(big.truncated).toBe(true);
      expect(big.stdout.length).toBeLessThanOrEqual(1024 * 1024);
      expect(big.stderr).toBe('err\n');
      const slow = await provider.exec(lab.labId, { node: 'node1', command: ['sleep', '30'], timeoutMs: 1000 });
      expect(slow.timedOut).toBe(true);
      expect(slow.durationMs).toBeLessThan(5000);
      const failing = await provider.exec(lab.labId, { node: 'node1', command: ['sh', '-c', 'exit 3'], timeoutMs: 5000 });
      expect(failing).toMatchObject({ exitCode: 3, timedOut: false });
    });

    it('exec runs a script sent on stdin as exercise checks do: its output and exit code, 100 kB of it whole, cut at its timeout', async () => {
      const { provider } = harness();
      const check = (script: string, timeoutMs = 10_000) => provider.exec(lab.labId, { node: 'node1', command: checkCommand(script), stdin: script, timeoutMs });
      expect(await check('echo "nginx answers on 8080 ✓"\n')).toMatchObject({ exitCode: 0, stdout: 'nginx answers on 8080 ✓\n', stderr: '', timedOut: false });
      expect(await check("echo 'no container named web' >&2\nexit 1\n")).toMatchObject({ exitCode: 1, stdout: '', stderr: 'no container named web\n', timedOut: false });
      // Thousands of lines: more than one WebSocket frame or pipe buffer, each line's output checked.
      const lines = Array.from({ length: 8000 }, (_, i) => `echo line-${i}`);
      const big = await check(`${lines.join('\n')}\nexit 4\n`);
      expect(big).toMatchObject({ exitCode: 4, truncated: false });
      expect(big.stdout).toBe(lines.map((l) => `${l.slice(5)}\n`).join(''));
      // A command of the check that reads stdin gets end-of-file, whether or not the backend can close it.
      expect(await check('cat\necho "read nothing"\n')).toMatchObject({ exitCode: 0, stdout: 'read nothing\n' });
      const hung = await check("echo started\nsleep 60\n", 1000);
      expect(hung).toMatchObject({ timedOut: true, stdout: 'started\n' });
      expect(hung.durationMs).toBeLessThan(20_000);
    });

    it('attach opens a shell with a TTY: it runs what is typed, follows a resize, and ends when closed', async () => {
      const session = await harness().provider.attach(lab.labId, { node: 'node1', command: ['sh'], cols: 80, rows: 24 });
      const screen = terminalScreen(session);
      try {
        // The TTY echoes the line as typed: only the shell's answer reads `marker2`.
        session.write('echo marker$((1+1))\r');
        await screen.shows('marker2');
        await session.resize(100, 40);
        session.write('stty size\r');
        await screen.shows('40 100');
      } finally {
        session.close();
      }
      await screen.ends();
    });

    it('copyIn and copyOut carry files of 0 B, 1 KiB, 100 KiB and 20 MB byte for byte', async () => {
      const { provider } = harness();
      for (const size of [0, 1024, 100 * 1024, 20_000_000]) {
        const content = randomBytes(size);
        await provider.copyIn(lab.labId, { node: 'node1', path: '/tmp/sizes' }, await tarArchive({ [`${size}.bin`]: content }));
        const out = await provider.copyOut(lab.labId, { node: 'node1', path: `/tmp/sizes/${size}.bin` });
        expect(await tarFileDigests(out)).toEqual({ [`${size}.bin`]: digestOf(content) });
      }
    });

    it('openPort carries bytes both ways to a port on the node through the backend, and says why when nothing listens', async () => {
      const { provider } = harness();
      // Only Kubernetes reaches lab ports over the network instead (PORT_PROXY_ROUTE=network).
      if (!provider.openPort) return expect(provider.kind).toBe(ProviderKind.Kubernetes);
      const listen = await provider.exec(lab.labId, { node: 'node1', command: ['sh', '-c', 'setsid socat TCP-LISTEN:7000,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 &'], timeoutMs: 10_000 });
      expect(listen.exitCode).toBe(0);
      const listening = () => provider.exec(lab.labId, { node: 'node1', command: ['socat', '-u', '/dev/null', 'TCP:127.0.0.1:7000'], timeoutMs: 5000 });
      await eventually(async () => expect((await listening()).exitCode).toBe(0), { timeoutMs: 10_000, what: 'socat to listen on port 7000' });
      const stream = await provider.openPort(lab.labId, 'node1', 7000);
      const echoed = await new Promise<string>((resolve, reject) => {
        let got = '';
        stream.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('over the engine\n')) resolve(got);
        });
        stream.on('error', reject);
        stream.write('over the engine\n');
      });
      expect(echoed).toBe('over the engine\n');
      stream.destroy();
      const closed = await provider.openPort(lab.labId, 'node1', 7001);
      await expect(new Promise((resolve, reject) => closed.on('error', reject).on('end', resolve).resume())).rejects.toThrow(/refused/i);
    });
  });
}
