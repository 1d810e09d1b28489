import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, waitFor } from './hub-harness.js';
import { type Mosquitto, requireBinary, startMosquitto } from './services.js';
import { testSite } from './site-fixtures.js';

describe('a lagging subscription to an external mosquitto', () => {
  let broker: Mosquitto | undefined;
  let t: TestHub | undefined;
  afterAll(async () => {
    await t?.stop();
    await broker?.stop();
  });

  it('is reported when the broker drops messages for the hub', async () => {
    const mosquittoPub = requireBinary('mosquitto_pub', 'apt-get install -y mosquitto-clients');
    // A small queue, as a broker left at its defaults has, and a hub that stalls for a moment.
    broker = await startMosquitto(['max_queued_messages 10', 'max_queued_bytes 0']);
    t = await startTestHub(testSite({ mqtt: `{ mode: external, url: '${broker.url}', clientId: hub-lag }` }));
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.state === 'up');
    let stalled = false;
    t.hub.bus.on('readings.accepted', () => {
      if (stalled) return;
      stalled = true;
      const until = Date.now() + 3000;
      while (Date.now() < until); // the hub's event loop is blocked: nothing is read from the socket
    });
    // The flood comes from another process reading a file (not a pipe this stalled process would have to
    // feed), so it goes on while the hub is stalled. mosquitto drops QoS 0 messages for the hub once the
    // loopback socket buffers (several MB) and its own queue are full.
    const pad = 'x'.repeat(4000);
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ temp_c: i % 50, pad })).join(
      '\n',
    );
    const file = join(mkdtempSync(join(tmpdir(), 'hub-lag-')), 'flood.txt');
    writeFileSync(file, `${lines}\n`);
    const input = openSync(file, 'r');
    const pub = spawn(mosquittoPub, ['-p', String(broker.port), '-t', 'site/t1/room-1/telemetry', '-l'], {
      stdio: [input, 'ignore', 'inherit'],
    });
    await new Promise((resolve) => pub.once('exit', resolve));
    closeSync(input);
    await waitFor(() => t!.hub.supervisor.linkHealth()[0]?.stats?.lagging === true, 10_000);
    // the loss is real, and the broker's count (updated every second) comes to cover it; it also counts
    // the $SYS messages it dropped for the hub
    const arrived = () => t!.readings.filter((r) => r.pointId === 'room-1/temp_c').length;
    const dropped = () => t!.hub.supervisor.linkHealth()[0]!.stats!.brokerDropped as number;
    expect(arrived()).toBeGreaterThan(0);
    expect(arrived()).toBeLessThan(10_000);
    await waitFor(
      () => arrived() + dropped() >= 10_000,
      5_000,
      () => `${arrived()} arrived + ${dropped()} dropped`,
    );
  });
});
