import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PassSlips } from '../../domains/visitors/pass-slip.js';
import { qrModules, slipPdf } from '../../domains/visitors/slip-pdf.js';
import { SLIP_LANGS } from '../../domains/visitors/slip-text.js';
import { personOf } from './access.js';

export interface SlipRouteServices {
  slips: PassSlips;
}

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The pass slip (出入凭证): a PDF for reception's printer, and its data for the dashboard's print view. */
export async function slipRoutes(app: FastifyInstance, s: SlipRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['visitors'];
  const access = ['passes:register', 'passes:manage'] as const;

  api.get(
    '/api/v1/passes/:id/slip.pdf',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'The pass slip as a one-page A6 PDF (masked name, host, validity, gates, QR): for whoever may see the pass; 409 unless approved and still good; audited',
        params: IdParams,
        querystring: z.strictObject({ lang: z.enum(SLIP_LANGS).default('zh-CN') }),
      },
    },
    async (req, reply) => {
      const slip = s.slips.slip(req.params.id, personOf(req), 'pdf');
      const pdf = await slipPdf(slip, req.query.lang);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="pass-${slip.passId}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  api.get(
    '/api/v1/passes/:id/slip',
    {
      config: { access },
      schema: {
        tags,
        summary:
          "The pass slip's contents for the dashboard's print view, with the QR's modules (rows of 0/1, dark = 1): as slip.pdf (who may, 409, audited)",
        params: IdParams,
      },
    },
    async (req, reply) => {
      const slip = s.slips.slip(req.params.id, personOf(req), 'print');
      const qr = qrModules(slip.qr);
      const qrMatrix = Array.from({ length: qr.size }, (_, r) =>
        Array.from({ length: qr.size }, (_, c) => (qr.dark(r, c) ? '1' : '0')).join(''),
      );
      reply.header('cache-control', 'no-store');
      return { ...slip, qrMatrix };
    },
  );
}
