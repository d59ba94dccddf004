import { OrchardError } from '../core/index.js';
import type { ExperimentsTable, MetadataStore } from '../storage/index.js';

/** Reads and writes the `experiments` table; the only code that knows its shape. */
export class ExperimentStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return this.metadata.db;
  }

  async insert(name: string, description: string | null, createdBy: string | null): Promise<void> {
    try {
      await this.db.insertInto('experiments').values({ name, description, created_by: createdBy, created_at: new Date().toISOString() }).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_EXPERIMENT_EXISTS', { message: `An experiment named '${name}' exists` });
      throw err;
    }
  }

  /**
   * Creates the experiment on first use (runs name their experiment freely); what the
   * training capability calls, through the port the platform wires, when a job names one.
   */
  async ensure(name: string, createdBy: string | null): Promise<void> {
    await this.db
      .insertInto('experiments')
      .values({ name, description: null, created_by: createdBy, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  /** Newest first. */
  list(): Promise<ExperimentsTable[]> {
    return this.db.selectFrom('experiments').selectAll().orderBy('created_at', 'desc').execute();
  }

  async get(name: string): Promise<ExperimentsTable | undefined> {
    return this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
  }
}
