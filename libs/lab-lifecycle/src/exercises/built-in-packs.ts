import { Injectable } from '@nestjs/common';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NotFoundError } from '@labfleet/domain';
import { ExercisePack, readPack } from './exercise-pack';

/** deploy/packs, from the sources or their build (dist/…), as the app image lays them out. */
export function packsDirectory(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'packs'))) return join(dir, 'deploy', 'packs');
    if (dirname(dir) === dir) throw new Error(`deploy/packs not found above ${from}`);
  }
}

export interface BuiltInPack {
  readonly pack: ExercisePack;
  /** The file as shipped (comments kept). */
  readonly text: string;
}

/** The packs Labfleet ships (deploy/packs/*.yaml), read and validated once, on first use. */
@Injectable()
export class BuiltInPacks {
  private loaded: Map<string, BuiltInPack> | null = null;

  all(): BuiltInPack[] {
    return [...this.load().values()];
  }

  named(name: string): BuiltInPack {
    const found = this.load().get(name);
    if (!found) throw new NotFoundError('pack', name);
    return found;
  }

  private load(): Map<string, BuiltInPack> {
    if (!this.loaded) {
      const dir = packsDirectory();
      const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
      this.loaded = new Map(
        files.map((f) => {
          const text = readFileSync(join(dir, f), 'utf8');
          const pack = readPack(text);
          return [pack.name, { pack, text }];
        }),
      );
    }
    return this.loaded;
  }
}
