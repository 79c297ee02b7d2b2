import type { ContainerCreateOptions, NetworkCreateOptions } from 'dockerode';
import type { LabSecurityProfile } from '@labfleet/config';
import type { LabNodeSpec, LabSpec } from '@labfleet/domain';
import { LABEL_COURSE, LABEL_NODE, LABEL_OWNER, LABEL_SCHOOL, LABEL_TEMPLATE, labContainerName, labLabels, labNetworkName, labVolumeName } from './lab-resource-names';

export interface LabContainerContext {
  readonly instance: string;
  readonly securityProfile: LabSecurityProfile;
  /** `http://host:port` of the platform registry that the lab daemon uses as its Docker Hub mirror. */
  readonly registryMirror: string | null;
  /** True when the engine can cap a container's writable layer (overlay2 on xfs with pquota). */
  readonly diskQuota: boolean;
}

const MIB = 1024 * 1024;

/**
 * A DinD lab is as powerful as a privileged container whatever the profile: `privileged` is the
 * plain, portable choice; `capabilities` spells the powers out (all caps but SYS_RESOURCE, no
 * seccomp/AppArmor confinement, every device) so a hardened runtime can trim further.
 */
function securityOptions(profile: LabSecurityProfile): ContainerCreateOptions['HostConfig'] {
  if (profile === 'privileged') return { Privileged: true };
  return {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined', 'systempaths=unconfined', 'label=disable'],
    DeviceCgroupRules: ['a *:* rwm'],
    Tmpfs: { '/run': '' },
  };
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
  return {
    name: labContainerName(ctx.instance, spec.labId, node.name),
    Image: spec.image,
    Hostname: node.hostname,
    Labels: labels,
    Env: ctx.registryMirror ? [`LABFLEET_REGISTRY_MIRROR=${ctx.registryMirror}`] : [],
    HostConfig: {
      ...securityOptions(ctx.securityProfile),
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: spec.limits.pidsLimit,
      // Under memory pressure the kernel should pick a lab, not the platform.
      OomScoreAdj: 500,
      NetworkMode: network,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
      Mounts: [
        {
          Type: 'volume',
          Source: labVolumeName(ctx.instance, spec.labId, node.name),
          Target: '/var/lib/docker',
          VolumeOptions: { NoCopy: false, Labels: labels, DriverConfig: { Name: 'local', Options: {} } },
        },
      ],
      ...(ctx.diskQuota && spec.limits.diskMb ? { StorageOpt: { size: `${spec.limits.diskMb}M` } } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [node.hostname] } } },
  };
}
