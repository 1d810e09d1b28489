import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSiteAnswer, FleetSitesAnswer } from '../domains/fleet/fleet-api-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { centralSiteYaml, fleetSiteYaml } from './fleet-fixtures.js';
import { login, TEST_ADMIN, type TestSession, testHubOptions, waitFor } from './hub-harness.js';
import {
  freePort,
  type Mosquitto,
  makePki,
  requireBinary,
  startMosquitto,
  type TestPki,
} from './services.js';

/**
 * The bridge recipe of config/fleet/, run for real: a site hub publishes Sparkplug B to its site's own
 * mosquitto (config/fleet/site-mosquitto.conf), whose bridge carries it over TLS with the site's credentials
 * to the upstream mosquitto (config/fleet/upstream-mosquitto.conf with config/fleet/fleet.acl as it is), where
 * the central hub follows it. Only what must differ on a test machine is rewritten: listeners, addresses, file
 * paths and passwords; the topics, the bridge settings and the ACL are the files' own. Also: commands come in
 * through the bridge (a rebirth asked by the central), an orderly stop's NDEATH goes out through it, and the
 * upstream's ACL drops one site posing as another.
 */

const ROOT = join(import.meta.dirname, '..');
const GROUP = 'fleet'; // the recipe's names, so its topic lines are used verbatim
const SITE = 'site-north';
const tahu = sparkplugPayload.get('spBv1.0')!;

/** Replace the value of each directive named (every occurrence), and fail when the file has none of it. */
function rewrite(conf: string, values: Record<string, string>): string {
  let out = conf;
  for (const [key, value] of Object.entries(values)) {
    const re = new RegExp(`^${key}( .*)?$`, 'gm');
    if (!re.test(out)) throw new Error(`the recipe has no "${key}" line`);
    out = out.replace(re, `${key} ${value}`);
  }
  return out;
}

function passwordFile(dir: string, users: Record<string, string>): string {
  const bin = requireBinary('mosquitto_passwd', 'apt-get install -y mosquitto');
  const file = join(dir, 'passwd');
  writeFileSync(file, '');
  for (const [user, pw] of Object.entries(users)) execFileSync(bin, ['-b', file, user, pw]);
  return file;
}

describe('the bridge recipe (config/fleet/): site hub → site mosquitto → TLS bridge → upstream → central', () => {
  let pki: TestPki;
  let upstream: Mosquitto;
  let siteBroker: Mosquitto;
  let site: Hub;
  let central: Hub;
  let centralUrl: string;
  let session: TestSession;
  let watcher: MqttClient;
  const seen: { topic: string; seq?: number; bdSeq?: number }[] = [];
  const pw = {
    site: 'site-north-pw-0123456789',
    central: 'central-pw-0123456789',
    hub: 'hub-local-pw-012345',
  };

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${centralUrl}${path}`, { headers: session.headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const siteRow = async () =>
    (await api<FleetSitesAnswer>('/api/v1/fleet/sites')).sites.find((s) => s.id === SITE);

  beforeAll(async () => {
    pki = makePki();
    const dir = mkdtempSync(join(tmpdir(), 'hub-fleet-bridge-'));
    const upstreamPort = await freePort();
    const upstreamConf = rewrite(readFileSync(join(ROOT, 'config/fleet/upstream-mosquitto.conf'), 'utf8'), {
      listener: `${upstreamPort} 127.0.0.1`,
      cafile: pki.caFile,
      certfile: pki.serverCert,
      keyfile: pki.serverKey,
      password_file: passwordFile(mkdtempSync(join(dir, 'up-')), {
        [SITE]: pw.site,
        'site-south': 'x-0123456789',
        central: pw.central,
      }),
      acl_file: join(ROOT, 'config/fleet/fleet.acl'),
      persistence_location: `${mkdtempSync(join(dir, 'up-data-'))}/`,
    });
    upstream = await startMosquitto(upstreamConf.split('\n'), { port: upstreamPort, listener: false });

    const sitePort = await freePort();
    const siteConf = rewrite(readFileSync(join(ROOT, 'config/fleet/site-mosquitto.conf'), 'utf8'), {
      listener: `${sitePort} 127.0.0.1`,
      password_file: passwordFile(mkdtempSync(join(dir, 'site-')), { 'facility-hub': pw.hub }),
      persistence_location: `${mkdtempSync(join(dir, 'site-data-'))}/`,
      address: `127.0.0.1:${upstreamPort}`,
      remote_password: pw.site,
      bridge_cafile: pki.caFile,
    });
    siteBroker = await startMosquitto(siteConf.split('\n'), { port: sitePort, listener: false });

    // an independent Sparkplug host on the upstream, as the central (Tahu's decoder)
    watcher = await mqtt.connectAsync(`mqtts://127.0.0.1:${upstreamPort}`, {
      ca: readFileSync(pki.caFile),
      username: 'central',
      password: pw.central,
      clientId: 'tahu-watcher',
      reconnectPeriod: 0,
    });
    watcher.on('message', (topic, payload) => {
      const p = tahu.decodePayload(payload);
      const bd = p.metrics?.find((m) => m.name === 'bdSeq');
      seen.push({
        topic,
        seq: p.seq == null ? undefined : Number(p.seq),
        bdSeq: bd ? Number(bd.value) : undefined,
      });
    });
    await watcher.subscribeAsync(`spBv1.0/${GROUP}/#`, { qos: 1 });

    process.env.FLEET_TEST_CENTRAL_USER = 'central';
    process.env.FLEET_TEST_CENTRAL_PASSWORD = pw.central;
    central = await buildHub(
      testHubOptions(
        parseSiteText(
          centralSiteYaml({
            brokerUrl: `mqtts://127.0.0.1:${upstreamPort}`,
            groups: [GROUP],
            influxUrl: 'http://127.0.0.1:1',
            database: 'unused',
            centralExtra: [
              `tls: { caFile: '${pki.caFile}' }`,
              'usernameEnv: FLEET_TEST_CENTRAL_USER',
              'passwordEnv: FLEET_TEST_CENTRAL_PASSWORD',
            ],
          }).replace(/^storage: .*$/m, 'storage: { mode: embedded }'),
          'central.yaml',
        ),
      ),
    );
    centralUrl = (await central.start()).replace(/\/$/, '');
    session = await login(central, TEST_ADMIN.username, TEST_ADMIN.password);

    process.env.FLEET_TEST_SITE_USER = 'facility-hub';
    process.env.FLEET_TEST_SITE_PASSWORD = pw.hub;
    const siteMqttPort = await freePort();
    site = await buildHub(
      testHubOptions(
        parseSiteText(
          fleetSiteYaml({
            id: SITE,
            name: 'North campus',
            mqttPort: siteMqttPort,
            upstreamUrl: siteBroker.url,
            groupId: GROUP,
            assets: 2,
            points: 2,
            upstreamExtra: ['usernameEnv: FLEET_TEST_SITE_USER', 'passwordEnv: FLEET_TEST_SITE_PASSWORD'],
          }),
          'site.yaml',
        ),
      ),
    );
    await site.start();
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${siteMqttPort}`, { reconnectPeriod: 0 });
    await dev.publishAsync(`site/${SITE}/a0/telemetry`, JSON.stringify({ ts: Date.now(), p0: 42.5, p1: 7 }));
    await dev.endAsync();
  }, 60_000);

  afterAll(async () => {
    await watcher?.endAsync().catch(() => undefined);
    await site?.stop().catch(() => undefined);
    await central?.stop().catch(() => undefined);
    await siteBroker?.stop();
    await upstream?.stop();
  });

  it('carries the site out (births, data) and the central sees it online with its values', async () => {
    await waitFor(
      async () => (await siteRow())?.state === 'online',
      15_000,
      () => `${SITE} online at the central`,
    );
    await waitFor(
      async () => {
        const d = await api<FleetSiteAnswer>(`/api/v1/fleet/sites/${SITE}`);
        return d.assets.find((a) => a.id === 'a0')?.points.find((p) => p.name === 'p0')?.value === 42.5;
      },
      10_000,
      () => 'the reading through the bridge at the central',
    );
    const row = await siteRow();
    expect(row?.name).toBe('North campus');
    expect(seen.some((m) => m.topic === `spBv1.0/${GROUP}/NBIRTH/${SITE}`)).toBe(true);
    expect(seen.some((m) => m.topic === `spBv1.0/${GROUP}/DBIRTH/${SITE}/a0`)).toBe(true);
  });

  it('carries commands in: a Rebirth from upstream makes the site hub publish its births again', async () => {
    const births = () => seen.filter((m) => m.topic === `spBv1.0/${GROUP}/NBIRTH/${SITE}`).length;
    const before = births();
    await watcher.publishAsync(
      `spBv1.0/${GROUP}/NCMD/${SITE}`,
      Buffer.from(
        tahu.encodePayload({
          timestamp: Date.now(),
          metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }],
        }),
      ),
      { qos: 1 },
    );
    await waitFor(
      () => births() > before,
      10_000,
      () => 'a new NBIRTH after the NCMD Rebirth',
    );
  });

  it("drops a site posing as another (the upstream's ACL)", async () => {
    const forger = await mqtt.connectAsync(`mqtts://127.0.0.1:${upstream.port}`, {
      ca: readFileSync(pki.caFile),
      username: 'site-south',
      password: 'x-0123456789',
      clientId: 'forger',
      reconnectPeriod: 0,
    });
    const topic = `spBv1.0/${GROUP}/NDATA/${SITE}`;
    await forger.publishAsync(topic, Buffer.from(tahu.encodePayload({ seq: 7, metrics: [] })), { qos: 1 });
    await forger.publishAsync(
      `spBv1.0/${GROUP}/NDATA/site-south`,
      Buffer.from(tahu.encodePayload({ seq: 0, metrics: [] })),
      {
        qos: 1,
      },
    );
    await waitFor(
      () => seen.some((m) => m.topic === `spBv1.0/${GROUP}/NDATA/site-south`),
      5_000,
      () => "site-south's own NDATA",
    );
    expect(
      seen.filter((m) => m.topic === topic && m.seq === 7),
      'the forged NDATA never arrives',
    ).toEqual([]);
    await forger.endAsync();
  });

  it("carries the site hub's NDEATH out on an orderly stop: offline at the central", async () => {
    const lastBirth = seen.filter((m) => m.topic === `spBv1.0/${GROUP}/NBIRTH/${SITE}`).at(-1)!;
    await site.stop();
    await waitFor(
      async () => (await siteRow())?.state === 'offline',
      10_000,
      () => `${SITE} offline`,
    );
    const death = seen.find((m) => m.topic === `spBv1.0/${GROUP}/NDEATH/${SITE}`);
    expect(death?.bdSeq, "the NDEATH carries the session's bdSeq").toBe(lastBirth.bdSeq);
  });
});
