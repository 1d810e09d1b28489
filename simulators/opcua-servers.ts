import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType,
  type EUInformation,
  MessageSecurityMode,
  type Namespace,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  type ServerSession,
  type StatusCode,
  StatusCodes,
  standardUnits,
  type UAObject,
  type UAVariable,
  Variant,
} from 'node-opcua';
import type { OpcuaDevice } from '../adapters/opcua/opcua-schema.js';
import { type OpcuaPoint, resolveOpcuaPoints } from '../adapters/opcua/points.js';
import type { SiteModel } from '../core/model/site-model.js';
import type { EquipmentModel, Value } from './equipment-models.js';
import { equipmentModels, type SitePhysics } from './site-physics.js';

/** Registered ahead of the real namespaces by a restart with shiftNamespaces, so their indexes move. */
const SHIFT_NAMESPACE = 'urn:facility-hub:sim:shifted';

const UNITS: Record<string, EUInformation> = {
  degC: standardUnits.degree_celsius,
  '%': standardUnits.percent,
  kW: standardUnits.kilowatt,
  kPa: standardUnits.kilopascal,
  Pa: standardUnits.pascal,
  A: standardUnits.ampere,
  V: standardUnits.volt,
  Hz: standardUnits.hertz,
};

const httpError = (statusCode: 400 | 404, message: string) =>
  Object.assign(new Error(message), { statusCode });

/** `Good`, or an Uncertain or Bad status name node-opcua knows (BadSensorFailure, UncertainLastUsableValue…). */
export function statusCodeOf(name: string): StatusCode | undefined {
  if (name !== 'Good' && !/^(Bad|Uncertain)/.test(name)) return undefined;
  return (StatusCodes as unknown as Record<string, StatusCode | undefined>)[name];
}

export interface SimOpcuaStatus {
  deviceId: string;
  endpointUrl: string;
  port: number;
  running: boolean;
  /** The server's namespace array (index → URI) while running. */
  namespaces: string[];
  sessions: number;
  /** Values pushed to the address space (setValueFromSource calls) since the simulation started. */
  changes: number;
  /** Data-change notifications sent to clients in publish responses, across sessions and restarts. */
  notifications: number;
}

interface Served {
  point: OpcuaPoint;
  model: EquipmentModel;
  dataType: DataType;
  variable: UAVariable;
  last?: { value: Value; status: string };
}

/** One simulated OPC UA server: one site device, its assets' points at exactly the site's node ids. */
export class SimulatedOpcuaServer {
  readonly endpointUrl: string;
  /** The server's own certificate (PEM), kept in the PKI folder across restarts. */
  readonly certificateFile: string;
  changes = 0;
  private server?: OPCUAServer;
  private served: Served[] = [];
  /** Pushing a value raises value_changed too; only a client's write must reach the model. */
  private pushing = false;
  private readonly liveSubscriptions = new Set<{
    subscriptionDiagnostics: { dataChangeNotificationsCount: number };
  }>();
  private retiredNotifications = 0;
  private readonly pkiRoot: string;
  private readonly hostname: string;
  private readonly resourcePath: string;

  constructor(
    readonly device: OpcuaDevice,
    private readonly site: SiteModel,
    private readonly points: OpcuaPoint[],
    private readonly models: Map<string, EquipmentModel>,
    readonly port: number,
    private readonly options: { host: string; pkiDir: string; users?: Record<string, string> },
  ) {
    const url = new URL(device.endpoint.replace(/^opc\.tcp:/, 'http:'));
    // a wildcard bind address is no name for clients: advertise the site file's host then
    this.hostname = ['0.0.0.0', '::'].includes(options.host) ? url.hostname : options.host;
    this.resourcePath = url.pathname === '/' ? '' : url.pathname;
    this.endpointUrl = `opc.tcp://${this.hostname}:${port}${this.resourcePath}`;
    this.pkiRoot = join(options.pkiDir, device.id);
    this.certificateFile = join(this.pkiRoot, 'own/certs/certificate.pem');
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get status(): SimOpcuaStatus {
    const namespaces = this.server?.engine.addressSpace?.getNamespaceArray().map((n) => n.namespaceUri) ?? [];
    return {
      deviceId: this.device.id,
      endpointUrl: this.endpointUrl,
      port: this.port,
      running: this.running,
      namespaces,
      sessions: this.server?.currentSessionCount ?? 0,
      changes: this.changes,
      notifications: this.notifications,
    };
  }

  get notifications(): number {
    let live = 0;
    for (const s of this.liveSubscriptions) live += s.subscriptionDiagnostics.dataChangeNotificationsCount;
    return this.retiredNotifications + live;
  }

  async start(shiftNamespaces = false): Promise<void> {
    if (this.server) return;
    const cm = new OPCUACertificateManager({
      rootFolder: this.pkiRoot,
      automaticallyAcceptUnknownCertificate: true,
    });
    await cm.initialize();
    const users = this.options.users ?? {};
    const server = new OPCUAServer({
      port: this.port,
      host: this.options.host,
      hostname: this.hostname,
      resourcePath: this.resourcePath,
      serverCertificateManager: cm,
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [
        SecurityPolicy.None,
        SecurityPolicy.Basic256Sha256,
        SecurityPolicy.Aes128_Sha256_RsaOaep,
        SecurityPolicy.Aes256_Sha256_RsaPss,
      ],
      allowAnonymous: true,
      userManager: { isValidUser: (user: string, password: string) => users[user] === password },
      serverInfo: {
        applicationUri: `urn:facility-hub:sim:${this.device.id}`,
        productUri: 'urn:facility-hub:simulator',
        applicationName: { text: this.device.name ?? this.device.id },
      },
    });
    await server.initialize();
    this.build(server, shiftNamespaces);
    server.on('create_session', (session: ServerSession) => this.watch(session));
    await server.start();
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.served = [];
    await server.shutdown(0);
    this.retiredNotifications = this.notifications;
    this.liveSubscriptions.clear();
  }

  /**
   * The server ends every session as if they had timed out (and drops their subscriptions), keeping its
   * sockets: what a client sees when its session expires on the server's side. Returns how many it ended.
   */
  expireSessions(): number {
    const engine = this.server?.engine;
    if (!engine) return 0;
    const sessions = engine.getSessions();
    for (const s of sessions) engine.closeSession(s.authenticationToken, true, 'Timeout');
    return sessions.length;
  }

  /** Shut down, stay down downMs, start again on the same port. */
  async restart(downMs: number, shiftNamespaces: boolean): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start(shiftNamespaces);
  }

  /** Serve each point's current value and status where it changed; the number of values pushed. */
  push(): number {
    let pushed = 0;
    this.pushing = true;
    try {
      for (const s of this.served) {
        const name = s.point.point.name;
        const value = s.model.value(name);
        const status = s.model.status(name);
        if (s.last && s.last.value === value && s.last.status === status) continue;
        s.last = { value, status };
        s.variable.setValueFromSource(this.variant(s, value), statusCodeOf(status) ?? StatusCodes.Good);
        pushed++;
      }
    } finally {
      this.pushing = false;
    }
    this.changes += pushed;
    return pushed;
  }

  private variant(s: Served, value: Value): Variant {
    const v =
      s.dataType === DataType.Int32
        ? Math.round(Number(value))
        : s.dataType === DataType.Double
          ? Number(value)
          : value;
    return new Variant({ dataType: s.dataType, value: v });
  }

  /** Under Objects, one Object per asset holding its points' variables at the site's node ids. */
  private build(server: OPCUAServer, shiftNamespaces: boolean): void {
    const addressSpace = server.engine.addressSpace!;
    if (shiftNamespaces) addressSpace.registerNamespace(SHIFT_NAMESPACE);
    const namespaceOf = (uri: string | undefined): Namespace => {
      if (!uri) throw new Error(`${this.device.id}: the simulator serves no nodes in namespace 0`);
      const index = addressSpace.getNamespaceIndex(uri);
      return index >= 0
        ? (addressSpace.getNamespace(index) as Namespace)
        : addressSpace.registerNamespace(uri);
    };
    const objects = new Map<string, UAObject>();
    for (const p of this.points) {
      const def = p.point;
      const ns = namespaceOf(p.address.namespaceUri);
      let obj = objects.get(def.assetId);
      if (!obj) {
        const asset = this.site.assetById.get(def.assetId)!;
        obj = ns.addObject({
          organizedBy: addressSpace.rootFolder.objects,
          browseName: asset.id,
          displayName: asset.name,
        });
        objects.set(def.assetId, obj);
      }
      const writable = def.kind === 'command';
      const dataType =
        def.type === 'boolean'
          ? DataType.Boolean
          : def.type === 'string'
            ? DataType.String
            : def.kind === 'state'
              ? DataType.Int32
              : DataType.Double;
      const access = writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
      const common = {
        componentOf: obj,
        browseName: def.name,
        displayName: def.label ?? def.name,
        nodeId: `${p.address.idType}=${p.address.id}`,
        dataType: DataType[dataType],
        accessLevel: access,
        userAccessLevel: access,
        // values come from the source as they change: a client asking for 0 gets them on change
        minimumSamplingInterval: 0,
      };
      const range =
        dataType === DataType.Double && def.min !== undefined && def.max !== undefined
          ? { low: def.min, high: def.max }
          : undefined;
      const variable = range
        ? ns.addAnalogDataItem({
            ...common,
            engineeringUnitsRange: range,
            // a write outside it is answered BadOutOfRange
            instrumentRange: range,
            ...(UNITS[def.unit] ? { engineeringUnits: UNITS[def.unit] } : {}),
          })
        : ns.addVariable(common);
      const served: Served = { point: p, model: this.models.get(def.assetId)!, dataType, variable };
      if (writable) variable.on('value_changed', (dv) => this.written(served, dv.value.value as Value));
      this.served.push(served);
    }
    this.push();
  }

  /** A client wrote a command point: the model takes it, or the served value goes back to the model's. */
  private written(s: Served, value: Value): void {
    if (this.pushing) return;
    const result = s.model.write(s.point.point.name, value);
    s.last = result === 'ok' ? { value, status: s.model.status(s.point.point.name) } : undefined;
    if (result !== 'ok') this.push();
  }

  /** Count the data-change notifications of each subscription the session creates. */
  private watch(session: ServerSession): void {
    session.on('new_subscription', (sub) => this.liveSubscriptions.add(sub));
    session.on('subscription_terminated', (sub) => {
      if (!this.liveSubscriptions.delete(sub)) return;
      this.retiredNotifications += sub.subscriptionDiagnostics.dataChangeNotificationsCount;
    });
  }
}

export interface OpcuaSimulationOptions {
  /** The address to bind (default 127.0.0.1); it names the endpoints too, unless a wildcard. */
  host?: string;
  /** A device's port in the site file → the port to listen on (tests use free ports). */
  portOf?: (port: number) => number;
  /** Where each server keeps its certificate (a folder per device); default a new temporary folder. */
  pkiDir?: string;
  /** User name → password logins every server accepts, beside anonymous ones. */
  users?: Record<string, string>;
  /** How often the models step and the values are pushed (default 1000 ms). */
  tickMs?: number;
  /** The site's shared physics: AHUs serve its floors, chillers answer their AHUs, loads show in the meters. */
  physics?: SitePhysics;
}

/** Every OPC UA device of a site as a simulated server, and the equipment models behind them. */
export class OpcuaSimulation {
  readonly servers = new Map<string, SimulatedOpcuaServer>();
  /** asset id → its model (an asset's points may span servers; the model is shared). */
  readonly models = new Map<string, EquipmentModel>();
  readonly tickMs: number;
  ticks = 0;
  private timer?: NodeJS.Timeout;
  /** The temporary PKI folder it made (no pkiDir given), removed when it stops. */
  private readonly tempPki?: string;

  constructor(site: SiteModel, options: OpcuaSimulationOptions = {}) {
    this.tickMs = options.tickMs ?? 1000;
    const host = options.host ?? '127.0.0.1';
    if (!options.pkiDir) this.tempPki = mkdtempSync(join(tmpdir(), 'opcua-sim-pki-'));
    const pkiDir = options.pkiDir ?? this.tempPki!;
    const byDevice = new Map<string, OpcuaPoint[]>();
    for (const p of resolveOpcuaPoints(site).points.values()) {
      const list = byDevice.get(p.device.id) ?? [];
      list.push(p);
      byDevice.set(p.device.id, list);
    }
    for (const [assetId, model] of equipmentModels(site, options.physics)) this.models.set(assetId, model);
    for (const d of site.devicesOf('opcua') as OpcuaDevice[]) {
      const port = Number(/:(\d+)/.exec(d.endpoint.slice('opc.tcp://'.length))![1]);
      const server = new SimulatedOpcuaServer(
        d,
        site,
        byDevice.get(d.id) ?? [],
        this.models,
        options.portOf?.(port) ?? port,
        {
          host,
          pkiDir,
          users: options.users,
        },
      );
      this.servers.set(d.id, server);
    }
  }

  async start(): Promise<void> {
    try {
      await Promise.all([...this.servers.values()].map((s) => s.start()));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
    if (this.tempPki) rmSync(this.tempPki, { recursive: true, force: true });
  }

  /** Time stands still while paused: no model moves, nothing changes (the benchmark settles its counts). */
  paused = false;

  /** Step every model one tick and push what changed to the running servers. */
  tick(): void {
    if (this.paused) return;
    this.ticks++;
    for (const m of this.models.values()) m.step(this.tickMs);
    this.push();
  }

  private push(): void {
    for (const s of this.servers.values()) if (s.running) s.push();
  }

  server(deviceId: string): SimulatedOpcuaServer {
    const s = this.servers.get(deviceId);
    if (!s) throw httpError(404, `no simulated OPC UA device "${deviceId}"`);
    return s;
  }

  /** Shut a server down for downMs; shiftNamespaces moves its namespaces to other indexes. */
  async restart(deviceId: string, options: { downMs: number; shiftNamespaces: boolean }): Promise<void> {
    await this.server(deviceId).restart(options.downMs, options.shiftNamespaces);
  }

  model(assetId: string): EquipmentModel {
    const m = this.models.get(assetId);
    if (!m) throw httpError(404, `no simulated OPC UA asset "${assetId}"`);
    return m;
  }

  private point(assetId: string, point: string): EquipmentModel {
    const m = this.model(assetId);
    if (!m.has(point)) throw httpError(404, `no simulated OPC UA point "${assetId}/${point}"`);
    return m;
  }

  /** The point's value freezes (on) or follows the model again. */
  setStuck(assetId: string, point: string, on: boolean): void {
    this.point(assetId, point).setStuck(point, on);
    this.push();
  }

  /** Units per hour added to the point's value; 0 clears. */
  setDrift(assetId: string, point: string, perHour: number): void {
    this.point(assetId, point).setDrift(point, perHour);
    this.push();
  }

  /** The status code the point's value is served with; Good clears. */
  setPointStatus(assetId: string, point: string, status: string): void {
    const m = this.point(assetId, point);
    if (!statusCodeOf(status))
      throw httpError(400, `status: expected Good or a Bad/Uncertain OPC UA status name, got "${status}"`);
    m.setStatus(point, status);
    this.push();
  }

  /** The asset's fault_code (0 clears); a faulted chiller or pump stops. */
  setFaultCode(assetId: string, code: number): void {
    this.model(assetId).setFaultCode(code);
    this.push();
  }

  setFilterClogging(assetId: string, paPerHour: number): void {
    if (!this.model(assetId).setFilterClogging(paPerHour))
      throw httpError(400, `"${assetId}" has no filter (not an AHU)`);
  }

  setVibrationRise(assetId: string, mmsPerHour: number): void {
    if (!this.model(assetId).setVibrationRise(mmsPerHour)) throw httpError(400, `"${assetId}" is not a pump`);
  }
}
