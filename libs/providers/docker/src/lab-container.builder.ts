import type { ContainerCreateOptions, MountSettings, NetworkCreateOptions } from 'dockerode';
import type { LabSecurityProfile } from '@labfleet/config';
import { buildLabSeccompProfile, CONFINED_CAPABILITIES, CONFINED_DISK, type LabNodeSpec, type LabSpec } from '@labfleet/domain';
import { LABEL_COURSE, LABEL_NODE, LABEL_OWNER, LABEL_SCHOOL, LABEL_TEMPLATE, labContainerName, labLabels, labNetworkName, labVolumeName } from './lab-resource-names';

export interface LabContainerContext {
  readonly instance: string;
  readonly securityProfile: LabSecurityProfile;
  /** The Docker runtime of the `runtime` profile (e.g. `sysbox-runc`). */
  readonly runtime: string | null;
  /** `http://host:port` of the platform registry that the lab daemon uses as its Docker Hub mirror. */
  readonly registryMirror: string | null;
  /** `host:port` of the course registry (plain HTTP on the lab network), or null when there is none. */
  readonly courseRegistry: string | null;
  /** Host path of the node's disk (a mounted file system image); null: a Docker volume, uncapped. */
  readonly disk: string | null;
  /**
   * cgroup v1 hierarchies of the engine's host whose cgroup the confined lab gets to manage
   * (empty: the lab's containers run without cgroup limits of their own).
   */
  readonly cgroupHierarchies: readonly string[];
}

const MIB = 1024 * 1024;

/** Where the confined entrypoint finds the cgroups delegated to it. */
const CONFINED_CGROUPS = '/run/labfleet-cgroup';
/** The plain DinD node keeps its Docker data at the usual place. */
const DIND_DISK = '/var/lib/docker';

/** Each lab node's cgroup parent (cgroupfs driver): the lab's, under the installation's. */
export const labCgroupRoot = (instance: string): string => `labfleet/${instance}`;
const nodeCgroupParent = (instance: string, labId: string, node: string): string => `/${labCgroupRoot(instance)}/${labId}/${node}`;

/**
 * - `confined`: unprivileged, seven capabilities (above), Labfleet's seccomp profile instead of
 *   Docker's (which refuses `unshare` and `mount`), AppArmor off (docker-default refuses `mount`),
 *   and /proc unmasked (the kernel lets the lab mount its own proc only where no part of the
 *   container's is hidden). The student never runs as this root: see `deploy/lab/confined-*.sh`.
 * - `privileged`: root on the host, as plain DinD needs. An explicit opt-in.
 * - `runtime`: unprivileged; the runtime (Sysbox, gVisor, Kata) gives DinD what it needs, sandboxed.
 */
function securityOptions(ctx: LabContainerContext, cgroupParent: string): ContainerCreateOptions['HostConfig'] {
  switch (ctx.securityProfile) {
    case 'privileged':
      return { Privileged: true };
    case 'runtime':
      return { Runtime: ctx.runtime ?? undefined };
    case 'confined':
      return {
        CapDrop: ['ALL'],
        CapAdd: [...CONFINED_CAPABILITIES],
        SecurityOpt: [`seccomp=${JSON.stringify(buildLabSeccompProfile())}`, 'apparmor=unconfined', 'label=disable'],
        // `--security-opt systempaths=unconfined` in the API's words.
        MaskedPaths: [],
        ReadonlyPaths: [],
        ...(ctx.cgroupHierarchies.length > 0
          ? {
              CgroupParent: cgroupParent,
              // Docker makes missing bind sources, which in cgroupfs makes the cgroups; runc puts the container in one below.
              Binds: ctx.cgroupHierarchies.map((h) => `/sys/fs/cgroup/${h}${cgroupParent}:${CONFINED_CGROUPS}/${h}`),
            }
          : {}),
      };
  }
}

export function buildLabNetwork(instance: string, labId: string, block?: { subnet: string; gateway: string }): NetworkCreateOptions {
  return {
    Name: labNetworkName(instance, labId),
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: labLabels(instance, labId),
    ...(block ? { IPAM: { Driver: 'default', Config: [{ Subnet: block.subnet, Gateway: block.gateway }] } } : {}),
  };
}

export function buildLabContainer(spec: LabSpec, node: LabNodeSpec, ctx: LabContainerContext): ContainerCreateOptions {
  const owner = spec.owner ? { [LABEL_SCHOOL]: spec.owner.schoolId, [LABEL_COURSE]: spec.owner.courseId, ...(spec.owner.userId ? { [LABEL_OWNER]: spec.owner.userId } : {}) } : {};
  const labels = labLabels(ctx.instance, spec.labId, { [LABEL_NODE]: node.name, [LABEL_TEMPLATE]: spec.templateName, ...owner });
  const network = labNetworkName(ctx.instance, spec.labId);
  const memory = spec.limits.memoryMb * MIB;
  const target = ctx.securityProfile === 'confined' ? CONFINED_DISK : DIND_DISK;
  const disk: MountSettings = ctx.disk
    ? { Type: 'bind', Source: ctx.disk, Target: target }
    : { Type: 'volume', Source: labVolumeName(ctx.instance, spec.labId, node.name), Target: target, VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } } };
  return {
    name: labContainerName(ctx.instance, spec.labId, node.name),
    Image: spec.image,
    Hostname: node.hostname,
    Labels: labels,
    Env: [
      ...(ctx.registryMirror ? [`LABFLEET_REGISTRY_MIRROR=${ctx.registryMirror}`] : []),
      ...(ctx.courseRegistry ? [`LABFLEET_COURSE_REGISTRY=${ctx.courseRegistry}`] : []),
    ],
    HostConfig: {
      ...securityOptions(ctx, nodeCgroupParent(ctx.instance, spec.labId, node.name)),
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: spec.limits.pidsLimit,
      // Under memory pressure the kernel should pick a lab, not the platform.
      OomScoreAdj: 500,
      NetworkMode: network,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
      Mounts: [disk],
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [node.hostname] } } },
  };
}
