/** CPU and memory, of a host (what it has) or of labs (what they reserve). */
export interface Resources {
  readonly cpus: number;
  readonly memoryMb: number;
}

/** Whether `next` fits in what `capacity` leaves after `reserved`. */
export const fits = (capacity: Resources, reserved: Resources, next: Resources): boolean =>
  reserved.cpus + next.cpus <= capacity.cpus + 1e-9 && reserved.memoryMb + next.memoryMb <= capacity.memoryMb;

/** What `reserved` becomes once `next` is admitted too. */
export const plus = (reserved: Resources, next: Resources): Resources => ({ cpus: reserved.cpus + next.cpus, memoryMb: reserved.memoryMb + next.memoryMb });

export const free = (capacity: Resources, reserved: Resources): Resources => ({
  cpus: Math.max(0, Math.round((capacity.cpus - reserved.cpus) * 1000) / 1000),
  memoryMb: Math.max(0, capacity.memoryMb - reserved.memoryMb),
});
