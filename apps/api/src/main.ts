import 'reflect-metadata';
import { loadConfigOrExit } from '@labfleet/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  await app.listen(config.port);
}

void main().catch((e) => {
  console.error(JSON.stringify({ level: 'fatal', context: 'Api', message: e instanceof Error ? e.message : String(e) }));
  process.exit(1);
});
