import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '../eventually';
import { freePort } from '../labfleet-stack';
import { ServiceProcess } from './service-process';

/** Debian's server binaries (`postgresql-NN`): the newest installed version. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root} (Debian's postgresql package)`);
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** The account the cluster runs as: Postgres refuses to run as root. */
function postgresAccount(): { uid: number; gid: number } {
  if (process.getuid?.() !== 0) return { uid: process.getuid!(), gid: process.getgid!() };
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim().split(':');
  return { uid: Number(line[2]), gid: Number(line[3]) };
}

/**
 * How long the run's clients wait to connect: it starts beside other test files, and at CI's load
 * (80) a first connection took over 5 s.
 */
export const CHAOS_PG_CONNECT_TIMEOUT_MS = 30_000;

/**
 * A Postgres cluster of the chaos run's own (initdb into a temporary directory, a free loopback
 * port, its socket in that directory), never the machine's. `kill()` SIGKILLs the postmaster and
 * every backend at once; `restart()` starts it again on the same data, through crash recovery.
 */
export class OwnPostgres {
  private process!: ServiceProcess;
  private readonly bin = postgresBin();
  private readonly account = postgresAccount();

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(name: string): Promise<OwnPostgres> {
    const pg = new OwnPostgres(name, await freePort(), mkdtempSync(join(tmpdir(), 'labfleet-chaos-pg-')));
    try {
      chownSync(pg.dir, pg.account.uid, pg.account.gid);
      execFileSync(join(pg.bin, 'initdb'), ['-D', pg.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], { ...pg.account, stdio: 'pipe', env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' } });
      await pg.restart();
    } catch (e) {
      await pg.stop();
      throw e;
    }
    return pg;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(database: string): Promise<string> {
    await this.query('postgres', `CREATE DATABASE ${database}`);
    return this.url(database);
  }

  /** One statement on a connection of its own. */
  async query<T = Record<string, unknown>>(database: string, text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database), connectionTimeoutMillis: CHAOS_PG_CONNECT_TIMEOUT_MS });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** SIGKILL to the postmaster and all its backends: what was committed stays (fsync is on). */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Starts the server on the same data and port; resolves once it accepts queries. */
  async restart(): Promise<void> {
    // Every write statement is logged (test-artifacts/): a lost record can be traced to what removed it.
    this.process = ServiceProcess.start(this.name, join(this.bin, 'postgres'), [
      '-D', this.data, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200', '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'log_statement=mod', '-c', 'log_line_prefix=%m [%p] ',
    ], this.account);
    await eventually(async () => {
      if (!this.process.running) throw new Error(`postgres exited:\n${this.process.logs.slice(-1000)}`);
      await this.query('postgres', 'SELECT 1');
    }, { timeoutMs: 60_000, intervalMs: 100, what: `the chaos Postgres on port ${this.port} to accept queries` });
  }

  async stop(): Promise<void> {
    // SIGINT: Postgres' fast shutdown (SIGTERM waits for clients to leave).
    await this.process?.stop('SIGINT', 10_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
