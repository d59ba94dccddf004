import { type Kysely, type Migration } from 'kysely';

export const migration0016: Migration = {
  // Tables of charts and dashboards (src/dashboards).
  async up(db: Kysely<any>) {
    // One row per dashboard; its filters and charts are one JSON definition, read and
    // written whole (a chart has no life outside its dashboard).
    await db.schema
      .createTable('dashboards')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('definition_json', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('dashboards').execute();
  },
};
