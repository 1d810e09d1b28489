/**
 * OPC UA node addresses as the site file writes them. A node outside namespace 0 is named by its namespace
 * URI (`nsu=urn:example:plant;s=Chiller1.SupplyTemp`), never by index: a server may number its namespaces
 * differently after a restart, so the index is looked up in the server's namespace array on every connect.
 */

export type IdentifierType = 'i' | 's' | 'g' | 'b';

export interface NodeAddress {
  /** The namespace URI; undefined for namespace 0 (the OPC UA standard nodes, whose index never changes). */
  namespaceUri?: string;
  idType: IdentifierType;
  /** The identifier as written (a number for `i=`, as a string). */
  id: string;
}

const STANDARD_NS = 'http://opcfoundation.org/UA/';

/** Parse a node address; returns an error message that says what is expected. */
export function parseNodeAddress(text: string): NodeAddress | string {
  const m = /^(?:(nsu|ns)=([^;]*);)?([isgb])=(.+)$/s.exec(text.trim());
  if (!m) return 'expected a node id such as nsu=urn:example:plant;s=Chiller1.SupplyTemp or i=2258';
  const prefix = m[1];
  const ns = m[2];
  const idType = m[3] as IdentifierType;
  const id = m[4]!;
  if (prefix === 'ns' && ns !== '0')
    return `address the node by namespace URI (nsu=<uri>;${idType}=...), not by index ns=${ns}: indexes may change when the server restarts`;
  if (prefix === 'nsu' && !ns) return 'expected a namespace URI after nsu=';
  if (idType === 'i' && !/^\d{1,10}$/.test(id)) return `expected a numeric identifier after i=, got "${id}"`;
  if (idType === 'g' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    return `expected a GUID after g=, got "${id}"`;
  const namespaceUri = prefix === 'nsu' && ns !== STANDARD_NS ? ns : undefined;
  return { namespaceUri, idType, id };
}

/** The node id string for a server, with the namespace index it uses now; undefined if it lacks the namespace. */
export function toServerNodeId(addr: NodeAddress, namespaces: readonly string[]): string | undefined {
  if (!addr.namespaceUri) return `ns=0;${addr.idType}=${addr.id}`;
  const index = namespaces.indexOf(addr.namespaceUri);
  return index < 0 ? undefined : `ns=${index};${addr.idType}=${addr.id}`;
}

/** A server's node id (`ns=3;s=X`) back into an address by namespace URI, for browse results. */
export function toAddressString(nodeId: string, namespaces: readonly string[]): string {
  const m = /^(?:ns=(\d+);)?([isgb])=(.+)$/s.exec(nodeId);
  if (!m) return nodeId;
  const index = Number(m[1] ?? 0);
  if (index === 0) return `${m[2]}=${m[3]}`;
  const uri = namespaces[index];
  return uri ? `nsu=${uri};${m[2]}=${m[3]}` : nodeId;
}

/** `{asset}`, `{point}` and `{device}` in a device's nodeIdTemplate, filled in for one point. */
export function fillTemplate(
  template: string,
  fields: { asset: string; point: string; device: string },
): string {
  return template.replace(/\{(asset|point|device)\}/g, (_, k: keyof typeof fields) => fields[k]);
}
