import type { Migration } from './index.js';

/**
 * The energy ledger: each physical meter's consumption per 15-minute slot, one row per meter and local day,
 * worked out from history (domains/energy/ledger.ts). A day is final once its data has settled in storage;
 * until then it is worked out again at each refresh.
 */
export const energy: Migration = {
  version: 8,
  name: 'energy',
  sql: `
CREATE TABLE energy_days (
  point_id TEXT NOT NULL,
  day_start INTEGER NOT NULL,   -- local midnight, ms
  slots BLOB NOT NULL,          -- Float64 per 15-minute slot, in the meter's unit; NaN where no reading
  spans BLOB NOT NULL,          -- Uint8 per slot: how many slots its value covers (0 where NaN)
  last_ts INTEGER,              -- the last reading so far, carried into the next day
  last_value REAL,
  final INTEGER NOT NULL DEFAULT 0,
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (point_id, day_start)
) WITHOUT ROWID;
CREATE INDEX energy_days_final ON energy_days(day_start, final);
`,
};
