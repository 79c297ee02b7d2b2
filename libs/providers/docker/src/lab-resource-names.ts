/** Names and labels of everything the Docker provider creates. Pure, so reconcile and tests agree. */
export const LABEL_MANAGED = 'labfleet.managed';
export const LABEL_INSTANCE = 'labfleet.instance';
export const LABEL_LAB_ID = 'labfleet.lab-id';
export const LABEL_NODE = 'labfleet.node';
export const LABEL_ROLE = 'labfleet.role';
export const LABEL_TEMPLATE = 'labfleet.template';
export const LABEL_SCHOOL = 'labfleet.school';
export const LABEL_COURSE = 'labfleet.course';
export const LABEL_OWNER = 'labfleet.owner';

export const labNetworkName = (instance: string, labId: string): string => `labfleet-${instance}-lab-${labId}`;
export const labContainerName = (instance: string, labId: string, node: string): string => `labfleet-${instance}-lab-${labId}-${node}`;
export const labVolumeName = (instance: string, labId: string, node: string): string => `labfleet-${instance}-lab-${labId}-${node}-docker`;
/** The installation's host helper on an engine (see `LabHostHelper`). */
export const hostHelperName = (instance: string): string => `labfleet-${instance}-host-helper`;
/** Where the installation's lab disks live on an engine's host, below `LAB_DISK_DIR`. */
export const labDiskDir = (diskDir: string, instance: string): string => `${diskDir}/${instance}`;

export function labLabels(instance: string, labId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instance, [LABEL_LAB_ID]: labId, [LABEL_ROLE]: 'lab', ...extra };
}

/** Label filter (Engine API `filters`) for every lab resource of one installation, or of one lab. */
export function labFilter(instance: string, labId?: string): { label: string[] } {
  const label = [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${instance}`, `${LABEL_ROLE}=lab`];
  if (labId) label.push(`${LABEL_LAB_ID}=${labId}`);
  return { label };
}
