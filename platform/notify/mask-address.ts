/**
 * An outside person's address as the delivery log shows it: enough to tell two apart, not enough to reach them
 * (`v***@example.com`, `138****5678`, `ab***`).
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address.slice(0, 1)}***${address.slice(at)}`;
  if (/^\+?\d{7,}$/.test(address)) return `${address.slice(0, 3)}****${address.slice(-4)}`;
  return `${address.slice(0, 2)}***`;
}
