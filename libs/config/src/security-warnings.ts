import { ProviderKind } from '@labfleet/contracts';
import type { LabfleetConfig } from './labfleet-config';

/**
 * What an operator must hear at every worker start about how labs are confined: the settings
 * that give students more than a sandbox (docs/security.md). Empty for the defaults.
 */
export function labSecurityWarnings(config: Pick<LabfleetConfig, 'provider'>): string[] {
  const warnings: string[] = [];
  if (config.provider.securityProfile === 'privileged') {
    warnings.push(
      'LAB_SECURITY_PROFILE=privileged: every lab is a privileged container, so every student is root on the lab hosts ' +
        '(and can reach other labs, the platform and its secrets from there). Use it only where students are fully trusted.',
    );
  }
  if (config.provider.kind !== ProviderKind.Kubernetes && config.provider.disk.limit === 'none') {
    warnings.push("LAB_DISK_LIMIT=none: a lab's disk is an uncapped volume; one lab can fill the host's disk.");
  }
  return warnings;
}
