/** One item's outcome in a batch: its value, or the error that item alone failed with. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Calls made while a batch runs go together into the next one (at most `max`): in a classroom
 * rush, thirty lab requests share a few database transactions instead of queueing for thirty.
 * A lone call waits only for the current turn of the event loop. When `run` throws, every item
 * of that batch fails with its error.
 */
export class Batcher<I, O> {
  private waiting: { input: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<Outcome<O>[]>,
    private readonly max = 100,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.max);
      try {
        const outcomes = await this.run(batch.map((b) => b.input));
        batch.forEach((b, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) b.resolve(outcome.value);
          else b.reject(outcome.error);
        });
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    this.draining = false;
  }
}
