/**
 * What the lab benchmarks share: the `docker` template as the catalog seeds it, a plain privileged
 * DinD lab node made by dockerode alone (the "bare" comparison), the memory of lab containers from
 * the engine's stats, and a description of the machine.
 */
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLabSpec, ExecResult, LAB_READY_COMMAND, LabTemplate } from '@labfleet/domain';
import { parseTemplateFile } from '@labfleet/lab-lifecycle';
import { buildLabContainer, LabContainerContext, runExec } from '@labfleet/provider-docker';
import { docker, REPO_ROOT, TEST_DIND_IMAGE } from '@labfleet/testing';

export const TEMPLATE = 'docker';
export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/** A built-in template of deploy/templates.json (`docker` unless named), with the defaults the template catalog applies when seeding. */
export function dockerTemplate(name = TEMPLATE): LabTemplate {
  const path = join(REPO_ROOT, 'deploy/templates.json');
  const t = parseTemplateFile(readFileSync(path, 'utf8'), path).find((x) => x.name === name);
  if (!t) throw new Error(`template '${name}' not in deploy/templates.json`);
  return { id: 'bench', ...t };
}

// ---------------------------------------------------------------------------------------------
// Bare: a plain privileged DinD node, dockerode alone

/** What a bare node is made with: the privileged profile, no disk image, no delegated cgroups; the mirror only if given. */
export function bareContext(instance: string, registryMirror: string | null = null): LabContainerContext {
  return { instance, securityProfile: 'privileged', runtime: null, registryMirror, courseRegistry: null, disk: null, cgroupHierarchies: [] };
}

/** The container options the provider's builder makes for the template's node, on the plain DinD image. */
export function bareContainer(labId: string, ctx: LabContainerContext): Docker.ContainerCreateOptions {
  const spec = buildLabSpec(labId, dockerTemplate(), TEST_DIND_IMAGE);
  return buildLabContainer(spec, spec.nodes[0], ctx);
}

/** The provider's readiness check: one exec polling the inner `docker info` until it answers. */
export function innerDockerInfo(container: Docker.Container, timeoutMs = 60_000): Promise<ExecResult> {
  return runExec(container, docker.modem, { command: LAB_READY_COMMAND, timeoutMs, outputLimitBytes: 4096 });
}

// ---------------------------------------------------------------------------------------------
// Memory of lab containers, from the engine's stats

export interface MemSample {
  readonly name: string;
  /** The lab the container belongs to (its `labfleet.lab-id` label), if any. */
  readonly labId?: string;
  /** usage − total_inactive_file (cgroup v1) / − inactive_file (v2): what `docker stats` shows. */
  readonly workingSet: number;
  /** usage − total_cache (cgroup v1) / − file (v2): anonymous memory, about. */
  readonly noCache: number;
  readonly usage: number;
  /** cpu_stats.cpu_usage.total_usage: CPU time used since start, ns. */
  readonly cpuNs: number;
  /** performance.now() of the read. */
  readonly at: number;
}

/** One container's memory (one-shot stats read). */
export async function memoryOf(id: string, name: string, labId?: string): Promise<MemSample> {
  const stats = (await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as any)) as any;
  const m = stats.memory_stats ?? {};
  const st = m.stats ?? {};
  const usage = Number(m.usage ?? NaN);
  const v1 = st.total_inactive_file !== undefined;
  const inactive = Number(v1 ? st.total_inactive_file : (st.inactive_file ?? 0));
  const cache = Number(v1 ? (st.total_cache ?? st.cache ?? 0) : (st.file ?? 0));
  return { name, labId, usage, workingSet: usage - inactive, noCache: usage - cache, cpuNs: Number(stats.cpu_stats?.cpu_usage?.total_usage ?? NaN), at: performance.now() };
}

/** The memory of every running lab container of an installation (8 stats reads at a time). */
export async function labMemory(instance: string): Promise<MemSample[]> {
  const containers = await docker.listContainers({ filters: { label: [`labfleet.instance=${instance}`, 'labfleet.role=lab'] } });
  const out: MemSample[] = [];
  for (let i = 0; i < containers.length; i += 8) {
    out.push(...(await Promise.all(containers.slice(i, i + 8).map((c) => memoryOf(c.Id, c.Names[0].replace(/^\//, ''), c.Labels['labfleet.lab-id'])))));
  }
  return out;
}

/** How the working set is read on this engine's cgroup version. */
export const workingSetMeasure = (cgroup: string) => (cgroup === '1' ? 'usage − stats.total_inactive_file' : 'usage − stats.inactive_file');

// ---------------------------------------------------------------------------------------------

/** The host, the engine (with its cgroup version) and the given images, one line each. */
export async function machineInfo(images: readonly string[] = []): Promise<{ lines: string[]; cgroup: string }> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<any>]);
  const cgroup = String(info.CgroupVersion ?? '?');
  const backing = (info.DriverStatus as [string, string][] | undefined)?.find(([k]) => k === 'Backing Filesystem')?.[1];
  const ids = await Promise.all(images.map((image) => docker.getImage(image).inspect().then((i) => `${image} ${i.Id.slice(7, 19)}`)));
  return {
    cgroup,
    lines: [
      `host: nproc ${os.availableParallelism?.() ?? os.cpus().length} (${os.cpus()[0]?.model ?? '?'}), RAM ${(os.totalmem() / GIB).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`,
      `engine: Docker ${version.Version} (API ${version.ApiVersion}), kernel ${version.KernelVersion}, ${info.Driver}${backing ? ` on ${backing}` : ''}, cgroup v${cgroup} (${info.CgroupDriver ?? '?'} driver), engine NCPU ${info.NCPU}`,
      ...(ids.length ? [`images: ${ids.join(', ')}`] : []),
    ],
  };
}

/** Fails with how to build them when an image is not on the engine. */
export async function requireImages(images: readonly string[]): Promise<void> {
  for (const image of images) {
    await docker.getImage(image).inspect().catch(() => {
      throw new Error(`${image} is not on the engine: run bash deploy/build-images.sh first`);
    });
  }
}
