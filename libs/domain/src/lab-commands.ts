import { posix } from 'node:path';

/**
 * Every lab image has this program: it runs a command inside the lab. In a confined lab node the
 * container's own root is host root (with a few capabilities) and the lab lives in a user
 * namespace of its own, so every command Labfleet runs there (exec, terminal, files, ports, the
 * readiness check) goes through it; in a plain DinD node it just runs the command.
 */
export const LAB_ENTER = '/usr/local/sbin/lab-enter';

/** `command`, run inside the lab rather than by the container's own root. */
export function inLab(command: readonly string[]): string[] {
  return [LAB_ENTER, ...command];
}

/**
 * A lab node is ready when its Docker daemon answers: one exec (inside the lab) polling the inner
 * `docker info` every 50 ms. It asks only once the daemon's socket is there: each `docker info` is
 * a CLI start, CPU that the daemons of a multi-node lab, starting together, need more.
 */
export const LAB_READY_COMMAND = ['sh', '-c', 'until [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; do sleep 0.05; done'];

/**
 * Runs a check script that comes on stdin, `script`'s length in bytes, in the shell's memory: it is
 * never a file in the lab, nor an argument a `ps` there would show. `head -c` reads exactly the
 * script and needs no end-of-file (the v4 exec protocol, Kubernetes before 1.30, cannot half-close
 * stdin); `eval` runs it once all read, with stdin from /dev/null, so that a command of the check
 * that reads stdin gets end-of-file at once on every backend instead of waiting for the timeout.
 */
export function checkCommand(script: string): string[] {
  return ['bash', '-c', `eval "$(head -c ${Buffer.byteLength(script)})" </dev/null`];
}

/*
 * Files move in and out of a lab as tar archives through an exec, on every backend: the command
 * runs inside the lab as its root, so paths resolve in the lab's own file system and what is
 * written belongs to the lab (never through the engine's archive API, which writes as host root
 * and resolves the lab's symlinks against the container's own root).
 */

/**
 * Unpacks the archive on stdin into `$1` (made if missing); `$2` is the archive's size. `head -c`
 * hands tar exactly that many bytes and then end-of-file: the v4 exec protocol (Kubernetes before
 * 1.30) cannot half-close stdin, and closing the WebSocket would lose the exit status. Files
 * belong to the lab's root, whoever owned them in the archive (an id the lab does not map would
 * fail the copy).
 */
export const COPY_IN_SCRIPT = 'mkdir -p -- "$1" && head -c "$2" | tar --no-same-owner -xf - -C "$1"';

/**
 * A tar of `$1` (as `$3` inside `$2`) on stdout. A missing path fails before tar writes a byte
 * (GNU tar would still write an empty archive), with the words the API maps to 404.
 */
export const COPY_OUT_SCRIPT = 'if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo "$1: No such file or directory" >&2; exit 2; fi; exec tar -cf - -C "$2" "$3"';

/** `$0` of the scripts, which the shell puts in its own error messages. */
export const COPY_IN_NAME = 'labfleet-copy-in';
export const COPY_OUT_NAME = 'labfleet-copy-out';

export function copyInCommand(dir: string, bytes: number): string[] {
  return ['sh', '-c', COPY_IN_SCRIPT, COPY_IN_NAME, dir, String(bytes)];
}

export function copyOutCommand(path: string): string[] {
  const parent = posix.dirname(path);
  const name = posix.basename(path) || '.';
  // A name starting with `-` would read as an option.
  return ['sh', '-c', COPY_OUT_SCRIPT, COPY_OUT_NAME, path, parent, name.startsWith('-') ? `./${name}` : name];
}
