import { Inject, Injectable } from '@nestjs/common';
import type { Duplex } from 'node:stream';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { Caller, ConflictError, InvalidInputError, LAB_PROVIDER, LabProvider } from '@labfleet/domain';
import { LabActivityService } from './lab-activity.service';
import { LabsService } from './labs.service';
import { parsePublishedPorts, PublishedPort } from './published-ports';

/**
 * Where the port proxy sends a request: the node's address on the lab network, and with
 * `PORT_PROXY_ROUTE=engine` a way to open a stream to the port that the engine carries instead.
 */
export interface PortTarget {
  readonly host: string;
  readonly port: number;
  readonly open?: () => Promise<Duplex>;
}

/** The ports a lab's containers publish, and where the port proxy sends a request for one. */
@Injectable()
export class LabPortsService {
  constructor(
    private readonly labs: LabsService,
    private readonly activity: LabActivityService,
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async list(caller: Caller, labId: string): Promise<PublishedPort[]> {
    const lab = await this.labs.get(caller, labId);
    if (lab.status !== LabStatus.Ready) return [];
    const perNode = await Promise.all(
      (lab.nodes ?? []).map(async (n) => {
        const ps = await this.provider.exec(labId, { node: n.name, command: ['docker', 'ps', '--format', '{{.Names}}\t{{.Ports}}'], timeoutMs: 5000 });
        return ps.exitCode === 0 ? parsePublishedPorts(n.name, ps.stdout) : [];
      }),
    );
    return perNode.flat();
  }

  /**
   * Where the proxy connects: the node's own address on the lab network, or (`PORT_PROXY_ROUTE=engine`)
   * a stream the engine carries to the port on the node, where the API has no route to that network.
   */
  async target(caller: Caller, labId: string, port: number, node?: string): Promise<PortTarget> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidInputError('port must be 1 to 65535');
    const lab = await this.labs.get(caller, labId);
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${labId} is ${lab.status}`);
    const target = node ? lab.nodes?.find((n) => n.name === node) : lab.nodes?.[0];
    if (!target?.address) throw new InvalidInputError(`node '${node ?? 'node1'}' has no address in this lab`);
    const { address } = target;
    // Every proxied request and WebSocket opening is the student using the lab.
    this.activity.touch(labId);
    const openPort = this.provider.openPort?.bind(this.provider);
    if (this.config.provider.portProxyRoute === 'engine' && openPort) return { host: address, port, open: () => openPort(labId, target.name, port) };
    return { host: address, port };
  }

  /** How often the proxy looks whether bytes moved through a connection to a lab: as often as activity is written. */
  get trafficCheckMs(): number {
    return this.config.idle.activityWriteSeconds * 1000;
  }

  /**
   * Bytes moved through the port proxy, either way, on a connection `target` let through: the
   * student is using the lab (a WebSocket's frames, a long answer streaming), not only when it opened.
   */
  trafficSeen(labId: string): void {
    this.activity.touch(labId);
  }
}
