/** What a pass slip shows (no imports: the dashboard's print view reads this type too). */
export interface Slip {
  passId: number;
  siteName: string;
  timeZone: string;
  /** Masked (maskName): the guard matches it against the ID card. */
  visitorName: string;
  company: string | null;
  host: string;
  /** The host's display name, else the username. */
  hostName: string;
  validFrom: number;
  validUntil: number;
  /** Gates accept it from here (validFrom − visitors.pass.earlyMinutes). */
  opensAt: number;
  /** 0: any number within the window. */
  maxEntries: number;
  entriesUsed: number;
  /** Gate names; null: every visitor gate. */
  gates: { id: string; name: string }[] | null;
  /** The QR payload (`FH2:<code>.<tag>`): the credential itself. */
  qr: string;
  issuedAt: number;
}
