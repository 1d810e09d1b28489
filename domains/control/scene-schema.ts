import type { z } from 'zod';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Fail } from '../../core/config/validate-site.js';
import type { SiteModel } from '../../core/model/site-model.js';

/** Keys of the site file's `control:` section (placeholder, filled by its owner). */
export const SceneShape = {} satisfies z.ZodRawShape;

/** Cross-checks against the whole site (points, zones, assets exist). */
export function checkScene(_config: SiteConfig, _site: SiteModel, _fail: Fail): void {}
