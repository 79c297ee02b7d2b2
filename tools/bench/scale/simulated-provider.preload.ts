/**
 * `node --require` this (only `bench:scale` does) to run a real API or worker on the simulated
 * backend: it replaces the product's provider factory before the Nest modules read it, so the
 * process is otherwise the one `npm run start:*` runs. Settings: `SIMULATION_*` (see
 * `simulationSettings`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LabfleetConfig } from '@labfleet/config';
import type { LabProvider } from '@labfleet/domain';
import { SimulatedProvider, simulationSettings } from './simulated-provider';

const settings = simulationSettings(process.env);
const load = createRequire(__filename);
const factory = load(join(dirname(load.resolve('@labfleet/lab-lifecycle')), 'lab-provider.factory.js')) as { createLabProvider: (config: LabfleetConfig) => LabProvider };
// A renamed factory would leave the real backend in place: refuse to start rather than make labs.
if (typeof factory.createLabProvider !== 'function') throw new Error('simulated-provider.preload: createLabProvider not found; the benchmark would run on a real backend');
factory.createLabProvider = (config) => new SimulatedProvider(config, settings);
console.log(JSON.stringify({ level: 'warn', context: 'Simulation', message: 'SIMULATED lab provider: no lab of this process is real (bench:scale only)', ...settings }));
