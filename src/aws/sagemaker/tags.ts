/**
 * AddTags, ListTags, DeleteTags on any SageMaker ARN. Tags are kept by the ARN's resource
 * part (`endpoint/e1`), so the same resource has the same tags whichever region a client
 * signed for; Create* requests' `Tags` land here too.
 */
import { nextToken, operation, readPage, tagList } from './operation.js';

const ARN = { pattern: /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]+\/.+$/, source: 'arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:.+' } as const;

const addTags = operation<{ arn: string; tags: Record<string, string> }>({
  name: 'AddTags',
  permission: 'models:write',
  input(f) {
    const arn = f.str('ResourceArn', { required: true, max: 256, pattern: ARN });
    if (!f.has('Tags')) f.fail('Tags', null, 'Member must not be null');
    return { arn, tags: f.tags() };
  },
  async run({ arn, tags }, ctx) {
    await ctx.deps.store.addTags(arn, tags);
    return { Tags: tagList(tags) };
  },
});

const listTags = operation<{ arn: string; offset: number; limit: number }>({
  name: 'ListTags',
  permission: 'models:read',
  input: (f) => ({ arn: f.str('ResourceArn', { required: true, max: 256, pattern: ARN }), ...readPage(f) }),
  async run({ arn, offset, limit }, ctx) {
    const all = tagList(await ctx.deps.store.tags(arn));
    const page = all.slice(offset, offset + limit);
    return { Tags: page, NextToken: nextToken(offset, page.length, all.length) };
  },
});

const deleteTags = operation<{ arn: string; keys: string[] }>({
  name: 'DeleteTags',
  permission: 'models:write',
  input: (f) => ({ arn: f.str('ResourceArn', { required: true, max: 256, pattern: ARN }), keys: f.strings('TagKeys', { max: 50 }) }),
  async run({ arn, keys }, ctx) {
    await ctx.deps.store.deleteTags(arn, keys);
    return {};
  },
});

export const TAG_OPERATIONS = [addTags, listTags, deleteTags];
