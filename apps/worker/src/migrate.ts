import { loadConfigOrExit } from '@labfleet/config';
import { runMigrations } from '@labfleet/persistence';

/** The migration step, run before the API and worker start (`npm run migrate`). */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const applied = await runMigrations(config.database.url);
  console.log(JSON.stringify({ level: 'log', context: 'Migrate', message: 'migrations applied', applied }));
}

void main().catch((e) => {
  console.error(JSON.stringify({ level: 'fatal', context: 'Migrate', message: e instanceof Error ? e.message : String(e) }));
  process.exit(1);
});
