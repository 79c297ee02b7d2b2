import { CommandResult, runFakeCommand } from './fake-exec';
import { KubeObject } from './fake-kube-store';
import { FakeNetwork } from './fake-network';

/** Where every lab image has lab-enter. Spelled out here, not imported: it is the image's contract. */
const LAB_ENTER = '/usr/local/sbin/lab-enter';

/**
 * What lab-enter runs inside the lab, or undefined for a command that does not come through it.
 * Every pod of the fake runs a lab image, and every command Labfleet runs there must enter the
 * lab first: without lab-enter, a command of a confined node runs as the container's own root,
 * outside the lab (where there is no Docker daemon, no student file, and more power than the
 * student has). The fake is stricter than the plain DinD image, whose lab-enter only runs the
 * command, so that a provider path that forgets lab-enter fails its tests on any profile.
 */
export function insideLab(command: readonly string[]): string[] | undefined {
  return command[0] === LAB_ENTER ? command.slice(1) : undefined;
}

/** The fake's answer to a command that did not come through lab-enter: refused, as a command that cannot run (126). */
export function outsideLab(command: readonly string[]): CommandResult {
  return { stderr: `lab-enter required: ${command[0] ?? '(nothing)'} would run as the container's own root, outside the lab\n`, exitCode: 126 };
}

/** A one-shot command of the lab image (exec, or the kubelet's readiness probe), lab-enter first. */
export function runInLabImage(pod: KubeObject, command: readonly string[], network: FakeNetwork): CommandResult {
  const argv = insideLab(command);
  return argv ? runFakeCommand(pod, argv, network) : outsideLab(command);
}
