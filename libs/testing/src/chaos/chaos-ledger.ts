/** What the clients of a chaos run were told, and every problem any part of the run saw. */
export interface LedgerLab {
  readonly id: string;
  readonly owner: string;
  /** How the student got it: answered 202, or found in their list after a cut request. */
  readonly via: 'accepted' | 'found';
  readonly askedAt: number;
  sawReady: boolean;
  /** The lab's status in the answer (`ready`: taken from the warm pool). */
  readonly status?: string;
}

export class ChaosLedger {
  readonly labs = new Map<string, LedgerLab>();
  readonly problems: string[] = [];
  /** Answers by kind and status (`lab request 202`), cut connections, refused refreshes... */
  readonly counters = new Map<string, number>();
  /** The same lab id handed to two students: a duplicate. */
  readonly sharedLabs: string[] = [];

  accepted(id: string, owner: string, askedAt: number, status: string): void {
    this.record({ id, owner, via: 'accepted', askedAt, sawReady: false, status });
  }

  found(id: string, owner: string): void {
    if (!this.labs.has(id)) this.record({ id, owner, via: 'found', askedAt: Date.now(), sawReady: false });
  }

  sawReady(id: string): void {
    const lab = this.labs.get(id);
    if (lab) lab.sawReady = true;
  }

  answered(what: string, status: number): void {
    this.count(`${what} ${status}`);
  }

  cut(what: string, timedOut: boolean): void {
    this.count(`${what} ${timedOut ? 'timed out' : 'cut'}`);
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Counts of names matching `pattern`, added up. */
  total(pattern: RegExp): number {
    return [...this.counters].filter(([name]) => pattern.test(name)).reduce((sum, [, n]) => sum + n, 0);
  }

  problem(text: string): void {
    this.problems.push(text);
  }

  private record(lab: LedgerLab): void {
    const known = this.labs.get(lab.id);
    if (known && known.owner !== lab.owner) {
      this.sharedLabs.push(lab.id);
      this.problem(`lab ${lab.id} was given to ${known.owner} and to ${lab.owner}`);
    }
    this.labs.set(lab.id, known ?? lab);
  }
}
