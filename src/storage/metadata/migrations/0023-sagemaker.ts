import { type Kysely, type Migration } from 'kysely';

export const migration0023: Migration = {
  // Tables of the SageMaker control plane (src/aws/sagemaker): the requests as SageMaker
  // clients sent them (what Describe* answers echo back, and the endpoint configs, which
  // Orchard has no resource for), and tags set by ARN.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sagemaker_resources')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('request_json', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sagemaker_resources_pk', ['kind', 'name'])
      .execute();
    await db.schema
      .createTable('sagemaker_tags')
      .addColumn('arn', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sagemaker_tags_pk', ['arn', 'key'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('sagemaker_tags').execute();
    await db.schema.dropTable('sagemaker_resources').execute();
  },
};
