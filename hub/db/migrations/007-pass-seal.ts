import type { Migration } from './index.js';

/** Pass codes sealed with the visitors key, for the gates' offline allow-lists (hub/visitors/code-seal.ts). */
export const passSeal: Migration = {
  version: 7,
  name: 'pass-seal',
  sql: `ALTER TABLE passes ADD COLUMN code_sealed TEXT;`,
};
