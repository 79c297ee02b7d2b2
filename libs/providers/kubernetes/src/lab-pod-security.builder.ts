import type { V1Pod, V1SecurityContext } from '@kubernetes/client-node';
import type { LabSecurityProfile } from '@labfleet/config';
import { CONFINED_CAPABILITIES, CONFINED_DISK } from '@labfleet/domain';
import { KubeLabContext, LAB_CONTAINER } from './lab-resource-names';

/** Plain DinD keeps its Docker data at the usual place. */
const DIND_DISK = '/var/lib/docker';

/** Sysbox on CRI-O gives a pod its own user namespace only when asked to by this annotation. */
const SYSBOX_USERNS = { 'io.kubernetes.cri-o.userns-mode': 'auto:size=65536' };

/** AppArmor per container before Kubernetes 1.30's `appArmorProfile` field (1.25 has only the annotation). */
const APPARMOR_ANNOTATION = `container.apparmor.security.beta.kubernetes.io/${LAB_CONTAINER}`;

/** Where a lab node's disk is mounted in its container. */
export const labDiskMountPath = (profile: LabSecurityProfile): string => (profile === 'confined' ? CONFINED_DISK : DIND_DISK);

/**
 * The Pod Security level a lab namespace must allow. A confined pod is outside `baseline`
 * (unmasked /proc, NET_ADMIN, seccomp and AppArmor unconfined), and a privileged one outside
 * everything; under a runtime class (Sysbox) the pod asks for nothing and `baseline` holds.
 */
export function podSecurityLevel(profile: LabSecurityProfile): 'privileged' | 'baseline' {
  switch (profile) {
    case 'confined':
    case 'privileged':
      return 'privileged';
    case 'runtime':
      return 'baseline';
  }
}

/**
 * The lab container's security context:
 * - `confined`: unprivileged with the seven capabilities above; /proc unmasked (the kernel lets
 *   the lab mount a proc of its own only where no part of the container's is hidden; needs the
 *   `ProcMountType` feature gate on Kubernetes 1.25); seccomp from the node's Localhost profile
 *   (`ctx.seccompProfile`), else `Unconfined` (the runtime's default profile refuses `unshare`
 *   and `mount`; Kubernetes takes no inline profile). Root, as the entrypoint must be: the
 *   student never runs as it (everything goes through lab-enter).
 * - `privileged`: root on the node, as plain DinD needs. An explicit opt-in.
 * - `runtime`: none; the runtime class (Sysbox, gVisor, Kata) gives DinD what it needs, sandboxed.
 */
export function labSecurityContext(ctx: KubeLabContext): V1SecurityContext | undefined {
  switch (ctx.securityProfile) {
    case 'privileged':
      return { privileged: true };
    case 'runtime':
      return undefined;
    case 'confined':
      return {
        privileged: false,
        capabilities: { drop: ['ALL'], add: [...CONFINED_CAPABILITIES] },
        procMount: 'Unmasked',
        seccompProfile: ctx.seccompProfile ? { type: 'Localhost', localhostProfile: ctx.seccompProfile } : { type: 'Unconfined' },
      };
  }
}

/** Annotations the profile needs on the pod: AppArmor off when confined (docker-default refuses `mount`), Sysbox's user namespace under a runtime class. */
export function labSecurityAnnotations(ctx: KubeLabContext): Record<string, string> {
  switch (ctx.securityProfile) {
    case 'confined':
      return { [APPARMOR_ANNOTATION]: 'unconfined' };
    case 'runtime':
      return ctx.runtimeClass ? SYSBOX_USERNS : {};
    case 'privileged':
      return {};
  }
}

const procMountOf = (pod: V1Pod): string | undefined => pod.spec?.containers.find((c) => c.name === LAB_CONTAINER)?.securityContext?.procMount;

/**
 * Whether the API server kept the unmasked /proc a pod asked for. Without the `ProcMountType`
 * feature gate, Kubernetes 1.25 silently turns `Unmasked` into `Default`, and a confined lab
 * would then fail inside its pod with nothing in the pod's status to say why.
 */
export function keptUnmaskedProc(sent: V1Pod, created: V1Pod): boolean {
  return procMountOf(sent) !== 'Unmasked' || procMountOf(created) === 'Unmasked';
}
