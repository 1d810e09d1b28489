import { security } from './001-security.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** In order; a migration, once released, is never edited: add the next number instead. */
export const migrations: readonly Migration[] = [security];
