import type { EventBus } from './bus.js';
import type { Clock } from './clock.js';
import type { LatestValues } from './latest/latest-values.js';
import type { LiveGateway } from './live/live-gateway.js';
import type { SiteModel } from './model/site-model.js';
import type { Pipeline } from './pipeline/pipeline.js';
import type { Supervisor } from './supervisor/supervisor.js';

/** What the API plugins may read. They never reach an adapter: writes go through the supervisor. */
export interface HubServices {
  site: SiteModel;
  bus: EventBus;
  clock: Clock;
  pipeline: Pipeline;
  latest: LatestValues;
  supervisor: Supervisor;
  live?: LiveGateway;
  startedAt: number;
}
