/**
 * What a site hub publishes upstream, by name: the vocabulary the edge node (edge-node.ts) and the central
 * host application (host-app.ts) share. Points travel as metrics named as the point (`active_power_w`) under a
 * Sparkplug device named as the asset; these are the metrics around them.
 */

/** NBIRTH/NDATA metrics of the site itself. Counts are Int32; power and energy Double (null metric when unknown). */
export const SITE_METRICS = {
  name: 'Site/Name',
  timezone: 'Site/Timezone',
  hubVersion: 'Site/Hub version',
  alertsActive: 'Site/Alerts active',
  alertsUnacked: 'Site/Alerts unacknowledged',
  alertsCritical: 'Site/Alerts critical',
  ticketsOpen: 'Site/Tickets open',
  ticketsOverdue: 'Site/Tickets overdue',
  devicesOffline: 'Site/Devices offline',
  powerW: 'Site/Power W',
  energyTodayKwh: 'Site/Energy today kWh',
} as const;

/** DBIRTH metrics describing an asset (String, births only). */
export const ASSET_METRICS = {
  name: 'Asset/Name',
  kind: 'Asset/Kind',
  zone: 'Asset/Zone',
  zoneName: 'Asset/Zone name',
} as const;

/** Properties of a point's metric in DBIRTH: its unit (engUnit), its kind, and whether it takes DCMD writes. */
export const POINT_PROPERTIES = {
  unit: 'engUnit',
  kind: 'Kind',
  writable: 'Writable',
  /** The point's label in the site file (`Supply temperature 送风温度`), when it has one. */
  label: 'Label',
} as const;

/** A DCMD may carry who asked, as a String metric of this name (the central hub puts its user there). */
export const REQUESTED_BY_METRIC = 'Command/Requested by';
