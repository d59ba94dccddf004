/**
 * One way to choose a backend by URL scheme, shared by the artifact store, the metadata
 * store and the job queue: register a scheme with a lazy async factory, then `open(url)`.
 * Factories import their optional dependencies when called (the AWS SDK, pg, BullMQ and
 * ioredis), so registering a backend costs nothing until a URL selects it.
 */
import { OrchardError } from '../core/errors.js';

/** Builds a backend for `url`; `deps` are whatever else the caller passes along. */
export type SchemeFactory<T, D> = (url: string, deps: D) => Promise<T>;

/** Options of {@link SchemeRegistry.register}. */
export interface SchemeOptions {
  /**
   * How the scheme is written in the list of known ones, e.g. `postgres://`.
   * @default the scheme as registered (`file:`, `embedded`)
   */
  shown?: string;
}

/** `scheme:` as URL parsers write it (lowercased, colon kept), or '' when there is none. */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return match ? `${match[1].toLowerCase()}:` : '';
}

/**
 * Backends of one kind by URL scheme. A scheme is registered once (a second registration
 * is a programming error and throws `ORCH_CONFIG_SCHEME_EXISTS`). A key without a colon
 * (`embedded`) names a whole URL rather than a scheme.
 *
 * @example
 * const stores = new SchemeRegistry<ArtifactStore, Config>('artifacts')
 *   .register('file:', (url) => createFileArtifactStore(url))
 *   .register('s3:', async (url, c) => (await import('./s3-artifact-store.js')).createS3ArtifactStore(url, c));
 * const store = await stores.open('file:///var/orchard', config);
 */
export class SchemeRegistry<T, D = void> {
  private readonly factories = new Map<string, { factory: SchemeFactory<T, D>; shown: string }>();

  /** @param what - what the URLs name, for messages (`artifacts`, `job queue`). */
  constructor(readonly what: string) {}

  /** Adds a backend for `scheme` (`file:`, or a bare name such as `embedded`). */
  register(scheme: string, factory: SchemeFactory<T, D>, options: SchemeOptions = {}): this {
    const key = scheme.toLowerCase();
    if (this.factories.has(key)) {
      throw new OrchardError('ORCH_CONFIG_SCHEME_EXISTS', {
        message: `A ${this.what} backend for '${key}' is already registered`,
        details: { scheme: key },
      });
    }
    this.factories.set(key, { factory, shown: options.shown ?? key });
    return this;
  }

  /** The known schemes, as shown in messages, in registration order. */
  known(): string[] {
    return [...this.factories.values()].map((f) => f.shown);
  }

  /** Whether `url` selects a registered backend. */
  accepts(url: string): boolean {
    return this.lookup(url) !== undefined;
  }

  /**
   * Opens the backend `url` selects.
   * @throws OrchardError `ORCH_CONFIG_UNKNOWN_SCHEME` naming the scheme and listing the
   *   known ones; the URL itself is not echoed, as it may carry credentials.
   */
  async open(url: string, deps: D): Promise<T> {
    const entry = this.lookup(url);
    if (!entry) {
      const scheme = urlScheme(url);
      const known = this.known();
      throw new OrchardError('ORCH_CONFIG_UNKNOWN_SCHEME', {
        message: `Unknown ${this.what} URL scheme '${scheme}'; known: ${known.join(', ')}`,
        details: { scheme, known },
      });
    }
    return entry.factory(url, deps);
  }

  private lookup(url: string) {
    return this.factories.get(url.toLowerCase()) ?? this.factories.get(urlScheme(url));
  }
}
