import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { AuthenticatorService } from '@labfleet/accounts';
import { LabPortsService, LabTerminalService } from '@labfleet/lab-lifecycle';
import { PortProxy } from './port-proxy';
import { TerminalSocket } from './terminal-socket';

/** What Nest's router does not do: the port proxy (any method, any path below it) and WebSocket upgrades. */
export function attachBrowserRoutes(app: NestExpressApplication): void {
  const proxy = new PortProxy(app.get(AuthenticatorService), app.get(LabPortsService));
  const terminal = new TerminalSocket(app.get(LabTerminalService));
  app.use('/labs', proxy.http);
  (app.getHttpServer() as Server).on('upgrade', (req, socket, head) => {
    if (!terminal.upgrade(req, socket, head) && !proxy.upgrade(req, socket, head)) socket.destroy();
  });
}
