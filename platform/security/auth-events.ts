export {};

/** Events of authentication (see core/bus.ts). */
declare module '../../core/bus.js' {
  interface EventMap {
    /** Sessions or tokens that no longer hold: live connections using them are closed. */
    'auth.revoked': {
      userId?: number;
      sessionId?: string;
      exceptSessionId?: string;
      tokenId?: string;
      reason: string;
      /** Permissions changed but access stays: clients should reconnect and re-authenticate. */
      reconnect?: boolean;
    };
  }
}
