import { randomBytes } from 'node:crypto';
import { isObject, jsonBody, type VendorAnswer, type VendorRequest, VendorServer } from './vendor-server.js';

/**
 * An on-site SMS gateway (a GSM modem box with an HTTP API, as many sites have): `POST /api/sms` with
 * `Authorization: Bearer <token>` and either JSON `{ to, message }` or a form `to=…&message=…`; or
 * `GET /api/sms?apikey=<token>&to=…&message=…`. It answers `{ Code: 'OK', MessageId }`, or
 * `{ Code: 'Unauthorized' }` (401), `{ Code: 'BadRequest' }` (400), `{ Code: 'InvalidNumber' }` (200, as
 * such boxes do: the HTTP exchange worked, the SMS did not). Not a vendor's API: the hub's gateway template
 * must fit it from the site file alone.
 */

export interface SmsGatewayConfig {
  token: string;
  now?: () => number;
}

export class SmsGatewayServer extends VendorServer {
  private readonly now: () => number;

  constructor(readonly config: SmsGatewayConfig) {
    super('sms-gateway', { status: 503, json: { Code: 'ModemBusy' } });
    this.now = config.now ?? Date.now;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    if (req.path !== '/api/sms') return { status: 404, json: { Code: 'NotFound' } };
    let to: unknown;
    let message: unknown;
    let token: string | undefined;
    if (req.method === 'GET') {
      token = req.query.get('apikey') ?? undefined;
      to = req.query.get('to');
      message = req.query.get('message');
    } else if (req.method === 'POST') {
      token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('application/json')) {
        const body = jsonBody(req.raw);
        if (!isObject(body)) return { status: 400, json: { Code: 'BadRequest', Message: 'not JSON' } };
        to = body.to;
        message = body.message;
      } else if (type.startsWith('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams(req.raw.toString('utf8'));
        to = form.get('to');
        message = form.get('message');
      } else {
        return { status: 415, json: { Code: 'UnsupportedMediaType' } };
      }
    } else {
      return { status: 405, json: { Code: 'MethodNotAllowed' } };
    }
    if (token !== this.config.token) return { status: 401, json: { Code: 'Unauthorized' } };
    if (typeof to !== 'string' || typeof message !== 'string' || !message)
      return { status: 400, json: { Code: 'BadRequest', Message: 'to and message are required' } };
    if (!/^\+?\d{5,16}$/.test(to)) return { status: 200, json: { Code: 'InvalidNumber', Message: to } };
    return {
      status: 200,
      json: { Code: 'OK', MessageId: randomBytes(6).toString('hex') },
      delivered: { channel: 'sms', to, text: message, mentions: [to], body: { to, message }, at: this.now() },
    };
  }
}
