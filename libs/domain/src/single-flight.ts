/**
 * Calls for the same key while one is running share its answer (or failure): in a classroom
 * rush, thirty requests for the same course ask the database once. Nothing is kept afterwards,
 * so an answer is never older than the calls it serves; callers must not modify it.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    let answer = this.running.get(key);
    if (!answer) {
      answer = call().finally(() => this.running.delete(key));
      this.running.set(key, answer);
    }
    return answer;
  }
}
