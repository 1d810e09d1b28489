import type { z } from 'zod';

/** The on-call and escalation keys of the site file's `people:` section (rotas, escalation chains, digests). */
export const OncallShape = {} satisfies z.ZodRawShape;
