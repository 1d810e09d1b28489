import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  listServerCertificates,
  pkiDirOf,
  setServerCertificateTrust,
} from '../../adapters/opcua/opcua-pki.js';
import { DomainError } from '../../core/errors.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

/**
 * The OPC UA servers' certificates the hub has seen. An unknown one is refused and listed here as
 * rejected until an administrator trusts it; the next reconnect then succeeds.
 */
export interface OpcuaCertificateRouteServices {
  /** hub.dataDir: the PKI lives under it. */
  dataDir: string;
  audit: AuditLog;
}

export async function opcuaCertificateRoutes(
  app: FastifyInstance,
  s: OpcuaCertificateRouteServices,
): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const dir = pkiDirOf(s.dataDir);
  api.get(
    '/api/v1/opcua/certificates',
    {
      config: { access: 'devices:manage' },
      schema: {
        tags: ['devices'],
        summary: 'OPC UA server certificates: trusted, and rejected ones waiting for a decision',
      },
    },
    async () => listServerCertificates(dir),
  );
  const Params = z.strictObject({
    thumbprint: z.string().regex(/^[0-9a-fA-F:]{8,59}$/, {
      error: 'expected a SHA-1 thumbprint in hex (or a unique prefix of 8+ digits)',
    }),
  });
  for (const [action, trust] of [
    ['trust', true],
    ['reject', false],
  ] as const)
    api.post(
      `/api/v1/opcua/certificates/:thumbprint/${action}`,
      {
        config: { access: 'devices:manage' },
        schema: {
          tags: ['devices'],
          summary: trust
            ? 'Trust an OPC UA server certificate (the device connects on its next retry)'
            : 'Stop trusting an OPC UA server certificate',
          params: Params,
        },
      },
      async (req) => {
        const result = await setServerCertificateTrust(dir, req.params.thumbprint, trust);
        if (typeof result === 'string') throw new DomainError('not-found', result);
        s.audit.record(actorOf(principalOf(req), req.ip), {
          action: trust ? 'opcua.certificate-trusted' : 'opcua.certificate-rejected',
          target: result.thumbprint,
          detail: result.subject,
        });
        return result;
      },
    );
}
