import {
  type EndpointDescription,
  MessageSecurityMode,
  OPCUAClient,
  type OPCUAClientOptions,
  SecurityPolicy,
  StatusCodes,
} from 'node-opcua';
import { DriverError } from '../../core/devices/driver.js';
import { type ClientPki, describeCertificate } from './opcua-pki.js';
import type { OpcuaDevice } from './opcua-schema.js';
import { withTimeout } from './with-timeout.js';

/**
 * Before a secured connect: ask the server for its endpoints (over a None channel, as discovery is), pick the
 * one this device asks for, and check the server's certificate against the hub's trust list. An unknown
 * certificate is recorded in rejected/ and refused with a message that names it and says how to trust it;
 * it is never accepted on its own.
 */
export async function checkServerCertificate(
  device: OpcuaDevice,
  pki: ClientPki,
  base: OPCUAClientOptions,
): Promise<Buffer> {
  const probe = OPCUAClient.create({
    ...base,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
  });
  let endpoints: EndpointDescription[];
  try {
    await withTimeout(probe.connect(device.endpoint), device.timeoutMs, `connect to ${device.endpoint}`);
    endpoints = await withTimeout(probe.getEndpoints(), device.timeoutMs, 'get the endpoints');
  } catch (err) {
    throw DriverError.from(err, 'refused');
  } finally {
    await withTimeout(probe.disconnect(), 2_000, 'disconnect').catch(() => undefined);
  }
  const mode = MessageSecurityMode[device.securityMode];
  const policy = SecurityPolicy[device.securityPolicy];
  const endpoint = endpoints.find((e) => e.securityMode === mode && e.securityPolicyUri === policy);
  if (!endpoint?.serverCertificate) {
    const offered = endpoints.map(
      (e) => `${MessageSecurityMode[e.securityMode]}/${e.securityPolicyUri?.split('#')[1]}`,
    );
    throw new DriverError(
      'bad-config',
      `the server offers no ${device.securityMode}/${device.securityPolicy} endpoint; it offers ${[...new Set(offered)].join(', ')}`,
    );
  }
  const certificate = endpoint.serverCertificate;
  const status = await pki.manager.checkCertificate(certificate);
  if (status !== StatusCodes.Good) {
    const c = describeCertificate(certificate);
    throw new DriverError(
      'refused',
      `the server certificate "${c.subject}" (thumbprint ${c.thumbprint}) is not trusted (${status.name}); ` +
        `trust it with "npm run admin -- opcua-trust ${c.thumbprint}" or POST /api/v1/opcua/certificates/${c.thumbprint}/trust`,
    );
  }
  return certificate;
}
