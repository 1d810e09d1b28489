/**
 * The hub's answers and live events that the site page and the views read: GET /site, GET /assets, GET
 * /devices, the latest values and the socket's events. Where the hub's own type is free of Node (the site
 * model, the readings' states) it is imported; the rest are written out here from the hub's definitions,
 * since importing those (core/bus.ts, core/latest-values.ts, core/devices/supervisor.ts) would bring Node's
 * types into the browser's build. Type-only: nothing of this reaches the bundle.
 */
import type { AssetConfig, PointConfig, SiteInfo } from '../../core/config/site-schema.js';
import type { DeviceState, LinkState, PointValue, Quality } from '../../core/model/reading.js';
import type { ZoneNode } from '../../core/model/site-model.js';

export type { DeviceState, LinkState, PointValue, Quality, ZoneNode };

/** GET /site (hub/api/site-routes.ts): the site, its zones as a tree with their assets' ids, the counts. */
export interface SiteAnswer {
  site: SiteInfo;
  /** site: one site's hub; central: the fleet's (hub.mode). */
  mode?: 'site' | 'central';
  zones: ZoneNode[];
  counts: { zones: number; assets: number; points: number; devices: number };
}

/** A point's newest value (core/latest-values.ts LatestValue); the socket's `values` batches carry these. */
export interface LatestValue {
  pointId: string;
  value: PointValue | null;
  quality: Quality;
  /** Source timestamp, ms UTC; null before the first reading. */
  ts: number | null;
  reason?: string;
}

/** A point of GET /assets (describePoint in hub/api/site-routes.ts), with `latest` when values=true. */
export interface PointAnswer {
  id: string;
  name: string;
  label?: string;
  unit: string;
  kind: PointConfig['kind'];
  type: PointConfig['type'];
  deviceId: string | null;
  intervalMs: number;
  min?: number;
  max?: number;
  latest?: LatestValue & { unit: string };
}

/** An asset of GET /assets (describeAsset in hub/api/site-routes.ts). */
export interface AssetAnswer {
  id: string;
  name: string;
  kind: AssetConfig['kind'];
  zone: string;
  model?: string;
  tags?: Record<string, string>;
  deviceId: string | null;
  points: PointAnswer[];
}

export type DenialKind = 'login' | 'publish' | 'subscribe';

/** A link's health (core/devices/supervisor.ts LinkHealth). */
export interface LinkHealth {
  linkId: string;
  protocol: string;
  state: LinkState;
  since: number;
  /** Failed connect attempts since the last success. */
  attempts: number;
  nextAttemptAt?: number;
  connects: number;
  disconnects: number;
  errors: number;
  lastError?: { code: string; message: string; at: number };
  stats?: Record<string, number | string | boolean>;
}

/** A device's health (core/devices/supervisor.ts DeviceHealth), with its name from the site file. */
export interface DeviceHealth {
  deviceId: string;
  name?: string;
  protocol: string;
  linkId: string;
  state: DeviceState;
  since: number;
  lastSeenAt?: number;
  readings: number;
  lost: number;
  malformed: number;
  malformedByTopic: Record<string, number>;
  /** Refused logins, publishes and subscriptions (embedded broker). */
  denied: Record<DenialKind, number>;
  lastError?: { message: string; at: number };
  lastMalformed?: { topic: string; reason: string; sample: string; at: number };
  lastDenied?: { kind: DenialKind; detail: string; at: number };
  /** An MQTT device that is a Sparkplug B edge node. */
  sparkplug?: { groupId: string; edgeNodeId: string };
}

/** The pipeline's counters (core/devices/pipeline.ts PipelineCounters). */
export type PipelineCounters = {
  accepted: number;
  suppressed: number;
  outOfRange: number;
  rejected: number;
  staleTransitions: number;
};

/** GET /devices (hub/api/device-routes.ts). */
export interface DevicesAnswer {
  links: LinkHealth[];
  devices: DeviceHealth[];
  pipeline: PipelineCounters;
  /** Logins, publishes and subscriptions refused to clients that are no configured device. */
  unknownClients: Record<DenialKind, number>;
}

/** The socket's `device` event (core/bus.ts 'device.link-changed'). */
export interface DeviceEvent {
  deviceId: string;
  state: DeviceState;
  previous: DeviceState;
  reason?: string;
  ts: number;
}

/** The socket's `link` event (core/bus.ts 'link.changed'). */
export interface LinkEvent {
  linkId: string;
  state: LinkState;
  previous: LinkState;
  error?: string;
  ts: number;
}

/** A BACnet property value as plain data (adapters/bacnet/values.ts PlainValue). */
export type BacnetValue =
  | number
  | boolean
  | string
  | null
  | { type: number; instance: number }
  | BacnetValue[];

/** An object of a discovered device (adapters/bacnet/discovery.ts DiscoveredObject). */
export interface BacnetDiscoveredObject {
  /** A point name made from the object name. */
  name: string;
  /** `analog-input:1`, the site file's spelling. */
  object: string;
  /** The hub's unit (`degC`), or BACnet's name of another. */
  unit?: string;
  objectName?: string;
  presentValue?: BacnetValue;
}

/** GET /devices/bacnet/discover: a device that answered Who-Is (adapters/bacnet/discovery.ts DiscoveredDevice). */
export interface BacnetDiscoveredDevice {
  deviceId: number;
  /** host:port */
  address: string;
  maxApdu: number;
  /** BACnet's Segmentation: 0 both, 1 transmit, 2 receive, 3 none. */
  segmentation: number;
  vendorId: number;
  name?: string;
  objects: BacnetDiscoveredObject[];
  /** Why its name and objects could not be read. */
  error?: string;
}

/** A property the device could not give: `object/unknown-object`, `property/unknown-property`. */
export type BacnetField<T> = T | { error: string };

/** GET /devices/:id/bacnet/object (the BACnet driver's browse): one object, who commands it and at what level. */
export interface BacnetObjectAnswer {
  /** The device's instance. */
  device: number;
  object: string;
  name: BacnetField<string>;
  presentValue: BacnetField<BacnetValue>;
  /** in alarm, fault, overridden, out of service. */
  statusFlags: BacnetField<boolean[]>;
  /** BACnet's Reliability (0: no fault detected). */
  reliability: BacnetField<number>;
  /** 16 levels, 1 the highest; null where empty. Commandable objects only. */
  priorityArray: BacnetField<BacnetValue[]>;
  relinquishDefault: BacnetField<BacnetValue>;
  /** BACnet's EngineeringUnits number. */
  units: BacnetField<number>;
}

// ── Control: schedules, calendars, dry run, optimum start (H7; hub/api/control-schedule-routes.ts) ────────
// One block, so the control view's other parts add theirs beside it without a conflict.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A period of a day: `from` and `to` as 'HH:MM' in the site's time zone ('24:00' ends at midnight). */
export interface SchedulePeriod {
  from: string;
  to: string;
  value: PointValue;
}

/** A one-off event: it overrides its day's periods between from and to. */
export interface ScheduleEvent {
  date: string;
  from: string;
  to: string;
  value: PointValue;
  name?: string;
}

/** What a schedule commands (domains/control/targets.ts TargetsSchema). */
export interface ScheduleTargets {
  points?: string[];
  groups?: { zone?: string; kind?: string; point: string }[];
}

export interface OptimumStartConfig {
  temperature: string;
  setpoint: number;
  outdoor?: string;
  maxLeadMinutes?: number;
}

/** A schedule as the site file and the API body have it. */
export interface ScheduleBody {
  id: string;
  name?: string;
  targets: ScheduleTargets;
  /** The level it commands at (default 'schedule', 14). */
  level?: string | number;
  calendar?: string;
  weekly: Partial<Record<Weekday, SchedulePeriod[]>>;
  holiday?: SchedulePeriod[];
  /** The value outside every period; omitted: the schedule relinquishes its level. */
  outside?: PointValue;
  events?: ScheduleEvent[];
  optimumStart?: OptimumStartConfig;
}

/** What a schedule wants now and until when (domains/control/schedule-service.ts wantView). */
export interface ScheduleNow {
  value: PointValue | null;
  kind: 'event' | 'period' | 'outside';
  dayType: 'weekday' | 'holiday' | 'workday';
  weekday: Weekday;
  date: string;
  eventName?: string;
  leadMinutes?: number;
  since: number | null;
  sinceLocal: string | null;
  /** The next edge, ms UTC, and as the site's local 'YYYY-MM-DD HH:MM'. */
  nextEdge: number | null;
  nextEdgeLocal: string | null;
}

/** A schedule of GET /control/schedules: where it comes from, its body, the points it resolves to, now. */
export interface ScheduleAnswer {
  id: string;
  name?: string;
  origin: 'site-file' | 'api';
  level: number;
  schedule: ScheduleBody;
  points: string[];
  /** The points whose level it holds now (another schedule at the level may rule the rest). */
  rulesPoints: string[];
  now: ScheduleNow | null;
  updatedAt?: number;
  updatedBy?: string;
}

export interface SchedulesAnswer {
  timeZone: string;
  schedules: ScheduleAnswer[];
  /** Stored schedules that no longer fit the site, with why. */
  broken: { id: string; origin: 'api'; body: unknown; errors: string[] }[];
}

/** A holiday calendar: off days (a date or a 'YYYY-MM-DD..YYYY-MM-DD' range) and make-up working days (调休). */
export interface CalendarBody {
  id: string;
  name?: string;
  holidays: string[];
  workdays: { date: string; as: Weekday }[];
}

/** A calendar of GET /control/calendars: its body, every holiday date (ranges expanded), who uses it. */
export interface CalendarAnswer {
  id: string;
  name?: string;
  origin: 'site-file' | 'api';
  calendar: CalendarBody;
  dates: string[];
  usedBy: string[];
  updatedAt?: number;
  updatedBy?: string;
}

/** How a date counts for a schedule. */
export type DayType = 'weekday' | 'weekend' | 'holiday' | 'workday' | 'event';

/** One change of what a point's schedule level holds during the day (domains/control/schedule-preview.ts). */
export interface PreviewWrite {
  /** ms UTC */
  at: number;
  /** 'HH:MM' in the site's time zone ('02:30+' on the second pass of a repeated hour). */
  time: string;
  /** null: relinquished (no schedule wants the level). */
  value: PointValue | null;
  /** The schedule that rules from then on. */
  scheduleId: string | null;
  kind?: 'event' | 'period' | 'outside';
  dayType?: 'weekday' | 'holiday' | 'workday';
  /** The weekday whose periods the date follows (a make-up workday: the one it follows). */
  weekday?: Weekday;
  eventName?: string;
  /** Started this many minutes early (optimum start). */
  leadMinutes?: number;
  /** The first entry: what the level holds as the day begins (not a write when unchanged). */
  dayStart?: true;
}

/** A point of a dry run: every schedule at the level on it, and its changes during the day. */
export interface PreviewPoint {
  pointId: string;
  level: number;
  schedules: string[];
  writes: PreviewWrite[];
}

/** GET /control/schedules/:id/preview, POST /control/schedules/preview: what a schedule writes on a date. */
export interface PreviewAnswer {
  date: string;
  points: PreviewPoint[];
}

/** A morning optimum start recorded (domains/control/optimum-start.ts Morning). */
export interface OptimumMorning {
  date: string;
  /** When the first period began (occupancy), ms UTC. */
  occupiedAt: number;
  leadMinutes: number;
  startedAt?: number;
  indoor?: number;
  outdoor?: number;
  reachedAt?: number;
  /** Minutes the zone reached its setpoint after (+) or before (−) occupancy. */
  missMinutes?: number;
}

/** GET /control/optimum-start: per schedule with optimum start, what it learned and how each morning went. */
export interface OptimumStartAnswer {
  scheduleId: string;
  temperature: string;
  outdoor?: string;
  setpoint: number;
  maxLeadMinutes: number;
  /** The fitted model; null until enough mornings. */
  model: {
    intercept: number;
    perK: number;
    perOutdoorK?: number;
    samples: number;
    rmseMinutes: number;
  } | null;
  /** Minutes per kelvin of gap: the learned rate (or the default before it learned). */
  minutesPerK: number;
  /** The lead it would use now, minutes. */
  leadNow: number;
  meanAbsMissMinutes: number | null;
  /** Newest first. */
  mornings: OptimumMorning[];
}

/** One non-null level of a command point's priority array (domains/control/control-types.ts Slot). */
export interface ControlSlot {
  level: number;
  value: PointValue;
  /** `<kind>:<id>`: `operator:alice`, `schedule:office-ahus`, `scene:after-hours`, `demand-limit:b1`. */
  source: string;
  /** The person or service that commanded it. */
  actor: string;
  reason?: string;
  since: number;
  /** An operator override relinquishes itself then (ms UTC). */
  expiresAt?: number;
}

/** A command point as its priority array holds it (domains/control/control-types.ts PointControlState). */
export interface ControlState {
  pointId: string;
  /** Non-null levels, highest priority (lowest number) first. */
  slots: ControlSlot[];
  effective: { value: PointValue | null; level: number | null; source: string | null };
  lastWrite?: { value: PointValue | null; level: number | null; ts: number; ok: boolean; error?: string };
  /** The effective value has not reached the device yet. */
  pending: boolean;
}

/** A point of GET /control/points (hub/api/control-routes.ts): its state, what it is, whether the caller may write it. */
export interface ControlPoint extends ControlState {
  assetId: string;
  label?: string;
  unit?: string;
  type?: PointConfig['type'];
  min?: number;
  max?: number;
  mayWrite: boolean;
}

/** GET /control/points (hub/api/control-routes.ts): the points and the override expiry's default and longest. */
export interface ControlPointsAnswer {
  points: ControlPoint[];
  /** The default expiry of an operator override (the site file's control.overrideMinutes). */
  overrideMinutes?: number;
  maxOverrideMinutes?: number;
}

/** A scene of GET /control/scenes (domains/control/scene-service.ts SceneView). */
export interface SceneAnswer {
  id: string;
  name: string;
  description?: string;
  /** The level it commands at (1–16). */
  level: number;
  levelName?: string;
  roles?: string[];
  source?: 'site-file' | 'api';
  /** The caller may activate and release it; `refusal` says why not. */
  mayActivate: boolean;
  refusal?: string;
  /** Set while it is active: since when, by whom, and how many of its points it still holds. */
  active: { since: number; by: string; reason?: string; holding?: number; points?: number } | null;
}

/** A zone of GET /control/occupancy (domains/control/occupancy-service.ts describe()). */
export interface OccupancyAnswer {
  zone: string;
  name: string;
  /** null before anything was heard. */
  occupied: boolean | null;
  occupiedSince: number | null;
  emptySince: number | null;
  people: number | null;
  motion: { point: string; value: PointValue | null }[];
  schedule: { id: string; on: boolean } | null;
  co2: number | null;
  dcv: {
    points: string[];
    value: number | null;
    since: number | null;
    co2Low: number;
    co2High: number;
    min: number;
    max: number;
  } | null;
  lighting: { points: string[]; off: boolean; since: number | null; offAfterMinutes: number } | null;
  setback: {
    points: string[];
    on: boolean;
    since: number | null;
    value: PointValue;
    afterMinutes: number;
  } | null;
  /** The points it holds now, at what value, since when. */
  commands: { point: string; value: PointValue; since: number }[];
}

/** A demand-limit plan of GET /control/demand (domains/control/demand-service.ts describe()). */
export interface DemandAnswer {
  id: string;
  name: string;
  meter: string;
  limitKw: number;
  shedAtKw: number;
  restoreAtKw: number;
  forecastKw: number | null;
  stage: 'normal' | 'shedding' | 'holding' | 'restoring';
  lastShedAt: number | null;
  lastRestoreAt: number | null;
  /** In shed order: shed or not, how many steps of how many, since when. */
  loads: {
    name: string;
    points: string[];
    shed: boolean;
    steps: number;
    maxSteps: number;
    since: number | null;
  }[];
}
