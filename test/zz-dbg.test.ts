import { it } from 'vitest';
import { freePort, startPymodbus } from './services.js';

it('dbg', async () => {
  const port = await freePort();
  const peer = await startPymodbus('tcp', port, { 1: { hr: [1, 2] } });
  console.log('started');
  await peer.kill();
  console.log('killed');
  await peer.restart();
  console.log('restarted');
  await peer.kill();
}, 60000);
