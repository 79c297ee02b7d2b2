/*
 * What the confined lab image (deploy/lab/confined-*.sh) needs from the container it runs in, on
 * every backend: the capabilities of its own root and a seccomp profile.
 */

/**
 * What the container's own root may do in a confined node: make the lab's user namespace and its
 * uid map (SETUID, SETGID), hand it the network interface (NET_ADMIN), give it the lab's disk and
 * cgroups (CHOWN, DAC_OVERRIDE, FOWNER), stop it (KILL). Root inside the lab has every capability,
 * but in its own user namespace only.
 */
export const CONFINED_CAPABILITIES: readonly string[] = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'NET_ADMIN', 'KILL'];

/** Where the confined lab's writable disk is mounted in its container (plain DinD: /var/lib/docker). */
export const CONFINED_DISK = '/lab-disk';

/**
 * The seccomp profile of a confined lab node (Docker's `seccomp=<json>`; a Localhost profile on
 * Kubernetes, `k8s/components/lab-seccomp`). The lab needs what
 * Docker's default profile refuses to containers without CAP_SYS_ADMIN: `unshare`, `setns`,
 * `mount`, `pivot_root`, `clone` with namespace flags (its own user namespace, and every container
 * its Docker daemon starts). Those are safe there because the kernel checks them against the
 * lab's user namespace, where root is host uid 100000. So this profile allows by default and
 * refuses what no lab needs and what only host root could use, as a second wall behind the
 * kernel's own checks should one of them ever fail.
 */
export interface SeccompProfile {
  readonly defaultAction: 'SCMP_ACT_ALLOW';
  readonly architectures: readonly string[];
  readonly syscalls: readonly { readonly names: readonly string[]; readonly action: 'SCMP_ACT_ERRNO'; readonly errnoRet: number }[];
}

const EPERM = 1;
const ENOSYS = 38;

/** The host's own: its kernel (modules, kexec, reboot), clock, swap, accounting and kernel log. */
const HOST_ONLY = [
  'init_module', 'finit_module', 'delete_module', 'create_module', 'query_module', 'get_kernel_syms',
  'kexec_load', 'kexec_file_load', 'reboot',
  'settimeofday', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'adjtimex', 'stime',
  'swapon', 'swapoff', 'acct', 'syslog', 'iopl', 'ioperm', 'vhangup', 'nfsservctl', 'uselib', 'lookup_dcookie',
  'quotactl', 'quotactl_fd',
];

/**
 * Known to serve kernel exploits more than labs: opening files by handle (bypasses the mount a
 * path must go through), raw eBPF, perf events, userfaultfd, the old x86 modes.
 */
const EXPLOIT_PRONE = ['open_by_handle_at', 'bpf', 'perf_event_open', 'userfaultfd', 'vm86', 'vm86old', 'kcmp'];

/**
 * Kernel keyrings are counted per host uid, and every lab is host uid 100000: one lab could use
 * up the quota of all. `ENOSYS` makes runc (and everything else) go on without keyrings, as on a
 * kernel without them; `EPERM` would make runc fail every container.
 */
const KEYRINGS = ['keyctl', 'add_key', 'request_key'];

export function buildLabSeccompProfile(): SeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: [
      { names: [...HOST_ONLY, ...EXPLOIT_PRONE], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: KEYRINGS, action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  };
}
