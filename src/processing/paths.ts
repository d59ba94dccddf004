import path from 'node:path';
import type { ProcessingInput, ProcessingOutput } from './types.js';

/** The folder SageMaker containers see; here each attempt has its own stand-in for it. */
export const OPT_ML = '/opt/ml';
/** Where the script's source is unpacked, as SageMaker's ScriptProcessor puts it. */
export const CODE_PATH = '/opt/ml/processing/input/code';

export const defaultInputPath = (name: string) => `/opt/ml/processing/input/${name}`;
export const defaultOutputPath = (name: string) => `/opt/ml/processing/output/${name}`;

/** The attempt's stand-in for `/opt/ml`. */
export const standInRoot = (attemptRoot: string) => path.join(attemptRoot, 'opt', 'ml');

/** A `/opt/ml/...` path inside the attempt's stand-in. */
export function localPathOf(optMlPath: string, standIn: string): string {
  const rel = path.posix.relative(OPT_ML, optMlPath);
  return rel === '' ? standIn : path.join(standIn, ...rel.split('/'));
}

/** A path under the stand-in shown as the script's `/opt/ml/...` path (for messages). */
export function optMlPathOf(local: string, standIn: string): string {
  const rel = path.relative(standIn, local);
  return rel === '' ? OPT_ML : `${OPT_ML}/${rel.split(path.sep).join('/')}`;
}

/**
 * `/opt/ml` where a path starts in an argument (the whole argument, or after `=`, `:` or
 * `,`, as in `--input=/opt/ml/processing/input/raw`) becomes the attempt's stand-in.
 */
export function rewriteArgument(arg: string, standIn: string): string {
  return arg.replace(/(^|[=:,])\/opt\/ml(?=\/|$)/g, (_m, lead: string) => `${lead}${standIn}`);
}

/** A normalised local path, or why it is refused (`..`, `.`, empty segments, outside `/opt/ml/processing/`). */
export function checkLocalPath(p: string): string | null {
  if (!p.startsWith('/opt/ml/processing/')) return 'must be a folder under /opt/ml/processing/';
  const segments = p.slice('/opt/ml/processing/'.length).replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return "must be a plain path (no '.', '..' or empty segments)";
  return null;
}

const inside = (a: string, b: string) => a === b || a.startsWith(b.replace(/\/$/, '') + '/');

/**
 * Problems among the folders of a job: two folders that are the same or nested, or one at
 * or around the code folder. Each is named by the field that declares it.
 */
export function folderConflicts(inputs: Array<Pick<ProcessingInput, 'name' | 'localPath'>>, outputs: Array<Pick<ProcessingOutput, 'name' | 'localPath'>>): Array<{ field: string; message: string }> {
  const folders = [
    { field: 'code', path: CODE_PATH, label: 'the script folder' },
    ...inputs.map((i, n) => ({ field: `inputs[${n}].localPath`, path: i.localPath.replace(/\/$/, ''), label: `input '${i.name}'` })),
    ...outputs.map((o, n) => ({ field: `outputs[${n}].localPath`, path: o.localPath.replace(/\/$/, ''), label: `output '${o.name}'` })),
  ];
  const problems: Array<{ field: string; message: string }> = [];
  for (let i = 1; i < folders.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [folders[i], folders[j]];
      if (inside(a.path, b.path) || inside(b.path, a.path)) {
        problems.push({ field: a.field, message: `${a.label} (${a.path}) ${a.path === b.path ? 'is the same folder as' : 'overlaps'} ${b.label} (${b.path})` });
      }
    }
  }
  return problems;
}

/** An environment variable's name part for an input or output name: `raw-2` -> `RAW_2`. */
export const envName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/**
 * SageMaker's `/opt/ml/config/processingjobconfig.json`, with the attempt's real folders
 * as the local paths (a script reading them finds its data) and Orchard's locations as
 * the URIs.
 */
export function processingJobConfig(spec: {
  name: string;
  entryPoint: string;
  sourceKey: string;
  arguments: string[];
  environment: Record<string, string>;
  inputs: ProcessingInput[];
  outputs: ProcessingOutput[];
  instanceCount: number;
  maxRuntimeSeconds: number;
  standIn: string;
  artifactsUrl: string;
}): Record<string, unknown> {
  const local = (p: string) => localPathOf(p, spec.standIn);
  return {
    ProcessingJobArn: `arn:orchard:processing-job/${spec.name}`,
    ProcessingJobName: spec.name,
    AppSpecification: {
      ImageUri: 'orchard-local',
      ContainerEntrypoint: [path.extname(spec.entryPoint) === '.py' ? 'python3' : 'node', local(`${CODE_PATH}/${spec.entryPoint}`)],
      ContainerArguments: spec.arguments,
    },
    Environment: spec.environment,
    ProcessingInputs: [
      ...spec.inputs.map((i) => ({
        InputName: i.name,
        AppManaged: false,
        S3Input: {
          S3Uri: `orchard://datasets/${i.dataset}@${i.version}`,
          LocalPath: local(i.localPath),
          S3DataType: 'S3Prefix',
          S3InputMode: 'File',
          S3DataDistributionType: i.distribution,
          S3CompressionType: 'None',
        },
      })),
      {
        InputName: 'code',
        AppManaged: false,
        S3Input: { S3Uri: `${spec.artifactsUrl}/${spec.sourceKey}`, LocalPath: local(CODE_PATH), S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3CompressionType: 'None' },
      },
    ],
    ProcessingOutputConfig: {
      Outputs: spec.outputs.map((o) => ({
        OutputName: o.name,
        AppManaged: false,
        S3Output: { S3Uri: o.dataset ? `orchard://datasets/${o.dataset}` : `${spec.artifactsUrl}/${o.artifactPrefix}`, LocalPath: local(o.localPath), S3UploadMode: 'EndOfJob' },
      })),
    },
    ProcessingResources: { ClusterConfig: { InstanceCount: spec.instanceCount, InstanceType: 'local', VolumeSizeInGB: 0 } },
    StoppingCondition: { MaxRuntimeInSeconds: spec.maxRuntimeSeconds },
    RoleArn: 'arn:orchard:role/processing',
  };
}
