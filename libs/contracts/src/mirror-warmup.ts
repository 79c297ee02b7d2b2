/**
 * How far the worker is in filling the lab image mirror after it started: what `/health` and the
 * web page show. Labs never wait for it; a `docker pull` of an image still `pending` fails offline
 * (or comes from Docker Hub on a connected host) until it arrives.
 */
export interface MirrorWarmup {
  readonly warming: boolean;
  readonly images: { readonly done: number; readonly total: number };
  /** Not yet in the mirror, in the order they will arrive. */
  readonly pending: readonly string[];
  /** Images that could not be pushed, with the reason. */
  readonly failed: readonly { readonly image: string; readonly problem: string }[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
}
