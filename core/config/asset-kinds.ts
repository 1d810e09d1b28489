/** What an asset is; rules, templates and maintenance plans select assets by kind. */
export const ASSET_KINDS = [
  'electricity-meter',
  'water-meter',
  'gas-meter',
  'heat-meter',
  'chiller',
  'ahu',
  'fan-coil',
  'pump',
  'boiler',
  'cooling-tower',
  'elevator',
  'gate',
  'env-sensor',
  'lighting',
  'generic',
] as const;
