import { ProviderKind } from '@labfleet/contracts';

export type LabSecurityProfile = 'privileged' | 'capabilities';
export type RegistryMode = 'push' | 'proxy' | 'off';

/** The validated, typed configuration. Also the Nest injection token for it. */
export abstract class LabfleetConfig {
  abstract readonly port: number;
  abstract readonly adminToken: string;
  /** Labels every resource; two installations (or test runs) on one engine never touch each other's. */
  abstract readonly instance: string;
  abstract readonly logFormat: 'json' | 'pretty';
  abstract readonly database: { readonly url: string };
  /** `keyPrefix` lets several installations (or test runs) share one Redis. */
  abstract readonly redis: { readonly url: string; readonly keyPrefix: string };
  abstract readonly provider: {
    readonly kind: ProviderKind;
    readonly dockerHost: string;
    readonly labImage: string;
    readonly securityProfile: LabSecurityProfile;
    readonly readyTimeoutSeconds: number;
    readonly execOutputLimitBytes: number;
  };
  abstract readonly registry: {
    readonly mode: RegistryMode;
    readonly image: string;
    /** Container name of the mirror; several installations on one engine may share it. */
    readonly name: string;
    readonly hostPort: number;
    readonly proxyUrl?: string;
  };
  abstract readonly jobs: {
    readonly concurrency: number;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly lockMs: number;
    readonly reconcileIntervalSeconds: number;
  };
  abstract readonly templatesFile: string;
}
