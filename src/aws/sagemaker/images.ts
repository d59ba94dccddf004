/**
 * SageMaker's built-in algorithm images, mapped to Orchard's built-ins. SageMaker publishes
 * each algorithm from an account per region (`683313688378.dkr.ecr.us-east-1.amazonaws.com/
 * sagemaker-xgboost:1.7-1`, `382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1`);
 * the account, region and tag do not change which algorithm runs, so only the repository
 * name is read.
 */
const REPOSITORIES: Record<string, string> = {
  'sagemaker-xgboost': 'xgboost',
  xgboost: 'xgboost',
  'linear-learner': 'linear-learner',
  kmeans: 'kmeans',
  pca: 'pca',
  'forecasting-deepar': 'deepar',
  lda: 'lda',
  ipinsights: 'ipinsights',
  blazingtext: 'blazingtext',
  ntm: 'ntm',
  seq2seq: 'seq2seq',
  'image-classification': 'image-classification',
};

/** What `repository:tag` Describe* answers show for an Orchard built-in. */
const IMAGE_OF: Record<string, string> = {
  xgboost: 'sagemaker-xgboost:1.7-1',
  'linear-learner': 'linear-learner:1',
  kmeans: 'kmeans:1',
  pca: 'pca:1',
  deepar: 'forecasting-deepar:1',
  lda: 'lda:1',
  ipinsights: 'ipinsights:1',
  'image-classification': 'image-classification:1',
};

const IMAGE_URI = /^(?:[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/)?([a-z0-9][a-z0-9._/-]*?)(?::([A-Za-z0-9._-]+))?(?:@sha256:[0-9a-f]{64})?$/;

/** The image URI's repository name (`sagemaker-xgboost`), or undefined when it is not an image URI. */
export function imageRepository(image: string): string | undefined {
  return IMAGE_URI.exec(image)?.[1];
}

/** The Orchard built-in a SageMaker algorithm image runs, or undefined (a framework or custom image). */
export function algorithmOfImage(image: string): string | undefined {
  const repository = imageRepository(image);
  return repository === undefined ? undefined : REPOSITORIES[repository];
}

/** The image URI SageMaker would show for a built-in, in the request's region (one account for every region, for display). */
export function imageOfAlgorithm(algorithm: string, region: string): string {
  const image = IMAGE_OF[algorithm] ?? `orchard-${algorithm}:1`;
  return `683313688378.dkr.ecr.${region}.amazonaws.com/${image}`;
}
