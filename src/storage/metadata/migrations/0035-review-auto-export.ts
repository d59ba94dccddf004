import { type Kysely, type Migration } from 'kysely';

export const migration0035: Migration = {
  // Human review's automatic export (src/reviews): the dataset a flow's completed loops go
  // to every N loops, and the lease one server takes while it writes an export.
  async up(db: Kysely<any>) {
    await db.schema.alterTable('review_flows').addColumn('export_dataset', 'text').execute();
    await db.schema.alterTable('review_flows').addColumn('export_every', 'integer').execute();
    await db.schema.alterTable('review_flows').addColumn('export_lease_until', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('review_flows').dropColumn('export_lease_until').execute();
    await db.schema.alterTable('review_flows').dropColumn('export_every').execute();
    await db.schema.alterTable('review_flows').dropColumn('export_dataset').execute();
  },
};
