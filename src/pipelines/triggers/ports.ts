/**
 * What triggers need of other capabilities: narrow ports the platform wires (triggers reach
 * datasets, crawlers and the registry only through their services).
 */
import type { CrawlerService } from '../../crawlers/index.js';
import type { DatasetService } from '../../data/index.js';
import type { PackageService } from '../../registry/index.js';
import type { PipelineService } from '../pipeline-service.js';

export interface TriggerPorts {
  pipelines: Pick<PipelineService, 'describe' | 'start'>;
  datasets: Pick<DatasetService, 'versions'>;
  crawlers: Pick<CrawlerService, 'describe' | 'startRun'>;
  packages: Pick<PackageService, 'group' | 'versions'>;
}
