#!/usr/bin/env node
/**
 * `npm run demo`: the hub with its embedded broker, plus the simulated site in a child process.
 * Nothing else is needed on the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM } from '../core/actor.js';
import { ManualClock } from '../core/clock.js';
import { ConfigError } from '../core/config/load-config.js';
import { createLogger } from '../core/logger.js';
import { gateKeyOf } from '../domains/visitors/allow-list.js';
import { writeCounters } from '../simulators/counters.js';
import { buildHub } from './app.js';
import { generateDemoHistory, historyStart } from './demo-history.js';
import { seedDemoProfiles } from './demo-people.js';
import { adminFromEnv, printFirstAdmin } from './main.js';
import { loadSiteFile } from './site-file.js';

const file = process.argv[2] ?? process.env.HUB_SITE_FILE ?? 'config/demo-site.yaml';
let site: Awaited<ReturnType<typeof loadSiteFile>>;
try {
  site = await loadSiteFile(file);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`invalid site file ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
const log = createLogger(site.hub.logLevel);

// A fresh demo starts with weeks of history (DEMO_HISTORY_WEEKS, default 5; 0: none), generated from the
// simulators' own models into storage, tickets and passes, by a hub of its own on a manual clock that never
// listens nor connects: every view, baselines and savings included, has content in the first minute.
const countersFile = join(site.hub.dataDir, 'simulator-counters.json');
const historyWeeks = Number(process.env.DEMO_HISTORY_WEEKS ?? 5);
let firstAdmin: Awaited<ReturnType<Awaited<ReturnType<typeof buildHub>>['auth']['bootstrapAdmin']>>;
if (historyWeeks > 0 && site.storage.mode !== 'off' && !existsSync(join(site.hub.dataDir, 'hub.db'))) {
  process.stdout.write(`  Generating ${historyWeeks} weeks of demo history (first start only)…\n`);
  const to = Date.now();
  const clock = new ManualClock(historyStart(to, historyWeeks));
  const past = await buildHub({
    site,
    log: createLogger('warn'),
    clock,
    live: false,
    personalNotifications: false,
  });
  // the first admin before the history's people (the first start is the one without users)
  firstAdmin = await past.auth.bootstrapAdmin(adminFromEnv());
  const r = await generateDemoHistory({
    hub: past,
    clock,
    site,
    to,
    automatedWeeks: Math.min(2, historyWeeks - 1),
  });
  await past.stop();
  writeCounters(countersFile, r.counters);
  process.stdout.write(
    `  History: ${r.readings.toLocaleString('en')} readings, ${r.activity} automation intervals, ${r.tickets} tickets, ${r.passes} passes in ${(r.ms / 1000).toFixed(1)} s (automation from ${new Date(r.automatedFrom).toISOString().slice(0, 10)}).\n`,
  );
}

const hub = await buildHub({ site, log, admin: adminFromEnv() });
seedDemoProfiles(hub); // contacts and channels for the demo's people (People → My profile)
const url = await hub.start();

// The simulated devices log in like real ones: fresh MQTT passwords at every demo start, handed to the
// simulator in a file only this user can read.
const credentialsFile = join(site.hub.dataDir, 'simulator-credentials.json');
const passwords =
  site.mqtt.mode === 'embedded' && !site.mqtt.anonymous
    ? Object.fromEntries(
        site.devicesOf('mqtt').map((d) => [d.id, hub.deviceCredentials.issue(SYSTEM, d.id).password]),
      )
    : {};
writeFileSync(credentialsFile, JSON.stringify(passwords, null, 2), { mode: 0o600 });
// …and the gate controllers get their offline allow-list keys the same way (provisioned once on real gates)
const gateKeysFile = join(site.hub.dataDir, 'simulator-gate-keys.json');
const gateKeys = Object.fromEntries(
  [...hub.visitors.gates.gates.keys()].map((id) => [id, gateKeyOf(hub.visitors.key, id).toString('hex')]),
);
writeFileSync(gateKeysFile, JSON.stringify(gateKeys, null, 2), { mode: 0o600 });

const mqttPort = site.mqtt.mode === 'embedded' ? site.mqtt.port : undefined;
const brokerUrl = mqttPort ? `mqtt://127.0.0.1:${mqttPort}` : site.mqtt.url!;
const simulatorMain = fileURLToPath(new URL('../simulators/main.ts', import.meta.url));
const sim: ChildProcess = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    simulatorMain,
    file,
    '--broker',
    brokerUrl,
    '--credentials',
    credentialsFile,
    '--gate-keys',
    gateKeysFile,
    '--counters',
    countersFile,
    '--gate-traffic',
    process.env.SIM_GATE_TRAFFIC ?? '60',
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
sim.on('exit', (code) => {
  if (!stopping) log.error({ code }, 'simulators exited');
});

process.stdout.write(
  `\n  Facility hub demo is running.\n  Dashboard:  ${url}\n  API docs:   ${url}api/docs\n  Simulators: fault injection at http://127.0.0.1:${process.env.SIM_CONTROL_PORT ?? '8090'}/devices\n  Ctrl-C to stop.\n\n`,
);
const admin = hub.firstAdmin ?? firstAdmin;
if (admin) printFirstAdmin(admin);
else
  process.stdout.write(
    '  Log in as admin with the password printed at the first start (or set HUB_ADMIN_PASSWORD before it).\n  Forgot it? npm run admin -- reset-password admin\n\n',
  );

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  sim.kill('SIGTERM');
  await hub.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
