import { EngineeringUnits, ObjectType, type Reliability } from '@bacnet-js/client';

/** One simulated BACnet object: its value, command priorities and health. */
export interface SimObject {
  type: ObjectType;
  instance: number;
  name: string;
  description?: string;
  units?: EngineeringUnits;
  /** An input's measured value, or the value a non-commandable object holds (binary 0/1, multistate 1…n). */
  value: number;
  /** Commandable objects: 16 command slots, 1 the highest priority, and the value when all are empty. */
  priority?: (number | null)[];
  relinquishDefault?: number;
  covIncrement?: number;
  stateText?: string[];
  reliability: Reliability;
  outOfService: boolean;
  inAlarm: boolean;
  overridden: boolean;
}

export const isAnalog = (t: ObjectType) =>
  t === ObjectType.ANALOG_INPUT || t === ObjectType.ANALOG_OUTPUT || t === ObjectType.ANALOG_VALUE;
export const isBinary = (t: ObjectType) =>
  t === ObjectType.BINARY_INPUT || t === ObjectType.BINARY_OUTPUT || t === ObjectType.BINARY_VALUE;

/** The present value: the highest-priority command, else the relinquish default; an input's own value. */
export function presentValue(o: SimObject): number {
  if (!o.priority) return o.value;
  return o.priority.find((v) => v !== null) ?? o.relinquishDefault ?? 0;
}

function object(
  type: ObjectType,
  instance: number,
  name: string,
  value: number,
  extra: Partial<SimObject> = {},
): SimObject {
  return {
    type,
    instance,
    name,
    value,
    reliability: 0,
    outOfService: false,
    inAlarm: false,
    overridden: false,
    ...extra,
  };
}

/** A commandable object: empty priority array, `relinquishDefault` in force. */
function commandable(
  type: ObjectType,
  instance: number,
  name: string,
  relinquishDefault: number,
  extra = {},
) {
  return object(type, instance, name, relinquishDefault, {
    priority: Array.from({ length: 16 }, () => null),
    relinquishDefault,
    ...extra,
  });
}

export interface SimModel {
  kind: 'ahu' | 'lighting' | 'generic';
  objects: SimObject[];
  /** Advance the physics by `dt` seconds (`t`: seconds since the start). */
  step(dt: number, t: number): void;
}

const noise = (amplitude: number) => (Math.random() * 2 - 1) * amplitude;
/** First-order lag towards `target` with time constant `tau` seconds. */
const lag = (value: number, target: number, dt: number, tau: number) =>
  value + (target - value) * (1 - Math.exp(-dt / tau));

/**
 * An air handler: supply air follows its setpoint (30 s lag) while the fan runs and drifts to the return air
 * temperature when it stops; airflow follows the fan and the outdoor-air damper; fan status follows the command.
 */
export function ahuModel(): SimModel {
  const C = EngineeringUnits.DEGREES_CELSIUS;
  const supply = object(ObjectType.ANALOG_INPUT, 1, 'SA-Temp', 18, { units: C, covIncrement: 0.2 });
  const ret = object(ObjectType.ANALOG_INPUT, 2, 'RA-Temp', 23.5, { units: C, covIncrement: 0.2 });
  const flow = object(ObjectType.ANALOG_INPUT, 3, 'SA-Flow', 0, {
    units: EngineeringUnits.CUBIC_METERS_PER_HOUR,
    covIncrement: 50,
  });
  const setpoint = commandable(ObjectType.ANALOG_VALUE, 1, 'SA-Temp-Setpoint', 16, {
    units: C,
    covIncrement: 0.1,
  });
  const damper = commandable(ObjectType.ANALOG_OUTPUT, 1, 'OA-Damper', 20, {
    units: EngineeringUnits.PERCENT,
    covIncrement: 1,
  });
  const fan = commandable(ObjectType.BINARY_VALUE, 1, 'Fan-Cmd', 0);
  const fanStatus = object(ObjectType.BINARY_INPUT, 1, 'Fan-Status', 0);
  const measured = (o: SimObject, v: number) => {
    if (!o.outOfService) o.value = v; // out of service: the value is whatever was written
  };
  return {
    kind: 'ahu',
    objects: [supply, ret, flow, setpoint, damper, fan, fanStatus],
    step(dt, t) {
      const running = presentValue(fan) === 1;
      measured(fanStatus, running ? 1 : 0);
      measured(ret, lag(ret.value, 23.5 + 0.8 * Math.sin(t / 600), dt, 120) + noise(0.02));
      measured(supply, lag(supply.value, running ? presentValue(setpoint) : ret.value, dt, 30) + noise(0.02));
      measured(
        flow,
        Math.max(0, lag(flow.value, running ? 6000 + 30 * presentValue(damper) : 0, dt, 5) + noise(5)),
      );
    },
  };
}

/** A lighting controller: 8 zones (binary outputs), a mode (multistate value), and the light level it sees. */
export function lightingModel(): SimModel {
  const zones = Array.from({ length: 8 }, (_, i) =>
    commandable(ObjectType.BINARY_OUTPUT, i + 1, `Zone-${i + 1}`, 0),
  );
  const mode = commandable(ObjectType.MULTI_STATE_VALUE, 1, 'Mode', 2, {
    stateText: ['Off', 'Occupied', 'Cleaning', 'Night'],
  });
  const lux = object(ObjectType.ANALOG_INPUT, 1, 'Lux-Level', 0, {
    units: EngineeringUnits.LUXES,
    covIncrement: 10,
  });
  return {
    kind: 'lighting',
    objects: [...zones, mode, lux],
    step(dt, t) {
      const on = zones.filter((z) => presentValue(z) === 1).length;
      const daylight = 150 + 100 * Math.sin(t / 900);
      if (!lux.outOfService) lux.value = Math.max(0, lag(lux.value, daylight + 60 * on, dt, 2) + noise(1));
    },
  };
}

/** Types whose present value is commanded through a priority array. */
const COMMANDABLE = new Set<ObjectType>([
  ObjectType.ANALOG_OUTPUT,
  ObjectType.ANALOG_VALUE,
  ObjectType.BINARY_OUTPUT,
  ObjectType.BINARY_VALUE,
  ObjectType.MULTI_STATE_OUTPUT,
  ObjectType.MULTI_STATE_VALUE,
]);

/**
 * An object a site file names that its device's model does not have: commandable (priority array) where the
 * point is a command on an output or value object, holding `value` (binary 0/1, multistate 1…states).
 */
export function siteObject(
  type: ObjectType,
  instance: number,
  name: string,
  options: { command: boolean; value: number; units?: EngineeringUnits; states?: number },
): SimObject {
  const extra: Partial<SimObject> = { units: isAnalog(type) ? options.units : undefined };
  if (!isAnalog(type) && !isBinary(type))
    extra.stateText = Array.from({ length: Math.max(2, options.states ?? 2) }, (_, i) => `State ${i + 1}`);
  return options.command && COMMANDABLE.has(type)
    ? commandable(type, instance, name, options.value, extra)
    : object(type, instance, name, options.value, extra);
}

/**
 * A device of any other kind: only the objects its site points name (added by the simulation), the analog
 * inputs wandering a little around where they started.
 */
export function genericModel(): SimModel {
  const objects: SimObject[] = [];
  const start = new Map<SimObject, number>();
  return {
    kind: 'generic',
    objects,
    step(dt) {
      for (const o of objects) {
        if (o.type !== ObjectType.ANALOG_INPUT || o.outOfService) continue;
        const home = start.get(o) ?? o.value;
        start.set(o, home);
        o.value = lag(o.value, home, dt, 60) + noise(Math.max(0.01, Math.abs(home) * 0.002));
      }
    },
  };
}
