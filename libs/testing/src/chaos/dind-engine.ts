import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createDockerClient } from '@labfleet/provider-docker';
import { eventually } from '../eventually';
import { freePort } from '../labfleet-stack';
import { ENGINE_PORT, loadImage, makeCertificates, savedImage, SHIM, tlsEngineCommand } from '../swarm-cluster';
import { docker, TEST_DIND_IMAGE } from '../test-instance';

const LABEL = 'labfleet.test-engine';

/**
 * A standalone Docker Engine for a test's labs, never the machine's: a privileged DinD container
 * (the plain lab-dind image, as the test Swarm's nodes) whose engine listens on TCP with mutual
 * TLS, published on a free port of 127.0.0.1 only. Labfleet reaches it as any remote engine
 * (`DOCKER_HOST=tcp://…`, `DOCKER_CERT_PATH`), so restarting it restarts no engine but this one.
 */
export class DindEngine {
  readonly engine: Docker;

  private constructor(
    readonly container: string,
    readonly port: number,
    readonly tlsDir: string,
  ) {
    this.engine = createDockerClient(`tcp://127.0.0.1:${port}`, tlsDir);
  }

  /** Starts the engine and loads `images` from the machine's engine into it. */
  static async start(images: readonly string[]): Promise<DindEngine> {
    const name = `labfleet-test-engine-${randomBytes(3).toString('hex')}`;
    const port = await freePort();
    const dind = new DindEngine(name, port, makeCertificates(['127.0.0.1']));
    try {
      const shim = existsSync(SHIM);
      await docker.createContainer({
        name,
        Image: TEST_DIND_IMAGE,
        Labels: { [LABEL]: name },
        Cmd: tlsEngineCommand(shim),
        ExposedPorts: { [`${ENGINE_PORT}/tcp`]: {} },
        HostConfig: {
          Privileged: true,
          Binds: [`${dind.tlsDir}:/tls:ro`, ...(shim ? [`${SHIM}:${SHIM}:ro`] : [])],
          PortBindings: { [`${ENGINE_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
          // /run is a tmpfs on a real host: a crashed engine's pid file must not stop it from starting again.
          Tmpfs: { '/run': 'exec' },
        },
      });
      await dind.startContainer();
      const files = await Promise.all(images.map(savedImage));
      for (const file of files) await loadImage(dind.engine, file);
    } catch (e) {
      await dind.stop();
      throw e;
    }
    return dind;
  }

  /** What Labfleet needs to run its labs on this engine. */
  env(): Record<string, string> {
    return { DOCKER_HOST: `tcp://127.0.0.1:${this.port}`, DOCKER_CERT_PATH: this.tlsDir };
  }

  /**
   * The engine crashes and comes back: SIGKILL to its container (dockerd and everything it ran die
   * at once, as in a power cut of the engine's host), then a start on the same disk. Containers
   * without a restart policy (the labs) stay stopped, as on any engine after such a restart.
   * `downMs`: how long the engine stays down before it starts again.
   */
  async restart(downMs = 0): Promise<void> {
    await docker.getContainer(this.container).kill({ signal: 'SIGKILL' }).catch(() => undefined);
    await eventually(async () => {
      if ((await docker.getContainer(this.container).inspect()).State.Running) throw new Error('still running');
    }, { timeoutMs: 30_000, what: `engine container ${this.container} to stop` });
    await new Promise((resolve) => setTimeout(resolve, downMs)); // the outage itself, not a wait for a condition
    await this.startContainer();
  }

  /** Runs a command in the engine's own container (the engine's host), from the machine's engine. */
  async hostShell(script: string): Promise<string> {
    const exec = await docker.getContainer(this.container).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = { write: (c: Buffer) => chunks.push(c) } as unknown as NodeJS.WritableStream;
    docker.modem.demuxStream(stream, sink, sink);
    await new Promise((resolve) => stream.on('end', resolve));
    return Buffer.concat(chunks).toString('utf8');
  }

  async stop(): Promise<void> {
    await docker.getContainer(this.container).remove({ force: true, v: true }).catch(() => undefined);
    rmSync(this.tlsDir, { recursive: true, force: true });
  }

  private async startContainer(): Promise<void> {
    await docker.getContainer(this.container).start();
    await eventually(() => this.engine.ping(), { timeoutMs: 60_000, intervalMs: 200, what: `the test engine ${this.container} to answer` });
  }
}
