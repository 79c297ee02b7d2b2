import type { CreateServiceOptions } from 'dockerode';
import type { LabSpec } from '@labfleet/domain';
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE, LABEL_TEMPLATE, labLabels } from '../lab-resource-names';

const MIB = 1024 * 1024;

/** Swarm service names are DNS labels (≤ 63): the lab id alone is unique; the instance is a label. */
export const placementServiceName = (labId: string): string => `labfleet-lab-${labId}`;

/** Seats are labelled as such, so nothing takes their containers for the lab's own. */
const SEAT_ROLE = 'seat';

/** Service filter (Engine API `filters`) for every seat of one installation. */
export const seatFilter = (instance: string): { label: string[] } => ({ label: [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${instance}`, `${LABEL_ROLE}=${SEAT_ROLE}`] });

export interface PlacementContext {
  readonly instance: string;
  /** Swarm placement constraints every lab obeys, e.g. `node.labels.labfleet.labs==true`. */
  readonly constraints: readonly string[];
  /** The node a replacement seat must go to: the one the lab's containers are already on. */
  readonly nodeId?: string;
}

/**
 * The lab's seat on the cluster: a one-replica service whose only task reserves the whole lab's
 * CPU and memory, so Swarm's scheduler picks the node (availability, labels, room) and never
 * overcommits. The task itself is a `sleep` from the lab image (present wherever labs can run).
 *
 * The lab does not run *as* the service: Swarm services cannot turn seccomp off (Engine 20.10),
 * and a DinD under the default profile cannot run nested containers (`keyctl` is blocked). So the
 * lab's containers are created directly on the node Swarm chose, as Play with Docker does.
 *
 * `RestartPolicy: none`: when the node is drained the seat is shut down, not moved, so the lab
 * (which stays where it is until it ends) holds no room on a node it does not run on.
 *
 * Only memory is capped: CPU and pid caps this small made runc fail to start about one seat in
 * a hundred under load, and a seat that never runs holds no room.
 */
export function buildPlacementService(spec: LabSpec, image: string, ctx: PlacementContext): CreateServiceOptions {
  const labels = labLabels(ctx.instance, spec.labId, { [LABEL_TEMPLATE]: spec.templateName, [LABEL_ROLE]: SEAT_ROLE });
  return {
    Name: placementServiceName(spec.labId),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: { Image: image, Command: ['sleep', 'infinity'], Labels: labels, StopGracePeriod: 0 },
      Resources: {
        Reservations: { NanoCPUs: Math.round(spec.reservation.cpus * 1e9), MemoryBytes: Math.round(spec.reservation.memoryMb * MIB) },
        Limits: { MemoryBytes: 32 * MIB },
      },
      Placement: { Constraints: [...ctx.constraints, ...(ctx.nodeId ? [`node.id==${ctx.nodeId}`] : [])] },
      RestartPolicy: { Condition: 'none' },
    },
    Mode: { Replicated: { Replicas: 1 } },
  } as CreateServiceOptions;
}
