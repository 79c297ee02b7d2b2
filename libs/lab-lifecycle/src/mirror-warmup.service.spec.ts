import { ProviderError, type LabProvider } from '@labfleet/domain';
import type { PoolRepository, TemplateRepository } from '@labfleet/persistence';
import type { MirrorWarmupStore } from '@labfleet/queue';
import { MirrorWarmupService, WARMUP_ATTEMPTS } from './mirror-warmup.service';

/** A warm-up of one template's two images, through a provider whose `prepare` answers as `answer` says. */
function warmup(answer: (image: string, call: number) => Promise<string[]>) {
  const calls = new Map<string, number>();
  const provider = {
    prepare: jest.fn(([image]: string[]) => {
      calls.set(image, (calls.get(image) ?? 0) + 1);
      return answer(image, calls.get(image)!);
    }),
  } as unknown as LabProvider;
  const templates = { list: async () => [{ name: 'docker', images: ['nginx:latest', 'redis:7-alpine'], retiredAt: null }] } as unknown as TemplateRepository;
  const pools = { settings: async () => [] } as unknown as PoolRepository;
  const store = { write: async () => undefined } as unknown as MirrorWarmupStore;
  const service = new MirrorWarmupService(templates, pools, store, provider);
  service.retryPauseMs = 1;
  return { service, calls };
}

describe('MirrorWarmupService', () => {
  it('tries an image again while the provider says it may help (workers racing to start the mirror), then reports it pushed', async () => {
    const { service, calls } = warmup(async (image, call) => {
      if (image === 'nginx:latest' && call < 3) throw new ProviderError('starting the image registry: No such container: labfleet-registry', true);
      return [];
    });
    const done = await service.run([]);
    expect(done).toMatchObject({ warming: false, images: { done: 2, total: 2 }, failed: [] });
    expect(calls.get('nginx:latest')).toBe(3);
  });

  it('reports an image failed at once when trying again cannot help, and after its last try when it keeps failing', async () => {
    const { service, calls } = warmup(async (image) => {
      throw new ProviderError(`cannot push ${image}`, image === 'redis:7-alpine');
    });
    const done = await service.run([]);
    expect(done.failed).toEqual([
      { image: 'nginx:latest', problem: 'cannot push nginx:latest' },
      { image: 'redis:7-alpine', problem: 'cannot push redis:7-alpine' },
    ]);
    expect(Object.fromEntries(calls)).toEqual({ 'nginx:latest': 1, 'redis:7-alpine': WARMUP_ATTEMPTS });
  });

  it("records a problem the provider answers with (the image is not on the host engine) as that image's failure", async () => {
    const { service } = warmup(async (image) => (image === 'redis:7-alpine' ? ["image 'redis:7-alpine' is not on the host engine"] : []));
    expect((await service.run([])).failed).toEqual([{ image: 'redis:7-alpine', problem: "image 'redis:7-alpine' is not on the host engine" }]);
  });
});
