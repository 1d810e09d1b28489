export {};

/** Events of storage (see core/bus.ts). */
declare module '../../core/bus.js' {
  interface EventMap {
    /**
     * The InfluxDB outbox crossed 80 % of its bound (high), dropped lines (dropping), or came back under 70 %
     * (ok). The rules engine turns this into an alert.
     */
    'storage.outbox-changed': {
      state: 'ok' | 'high' | 'dropping';
      fill: number;
      droppedLines: number;
      ts: number;
    };
  }
}
