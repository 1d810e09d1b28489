import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  DataType,
  type DataValue,
  NodeClass,
  type ReferenceDescription,
} from 'node-opcua';
import { DriverError } from '../../core/devices/driver.js';
import { parseNodeAddress, toAddressString, toServerNodeId } from './node-address.js';
import { qualityOf, statusText } from './status.js';

export interface BrowseEntry {
  /** The node's address as the site file writes it (by namespace URI): paste it into a point's nodeId. */
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  /** Variables: the value now, its data type and quality, and whether the hub may write it. */
  dataType?: string;
  value?: unknown;
  quality?: string;
  status?: string;
  writable?: boolean;
}

const MAX_REFERENCES = 2_000;
const ACCESS_CURRENT_WRITE = 0x02;
/** Variables per Read (two attributes each). */
const READ_CHUNK = 250;

/** The children of one node (Objects when none is given), with the value of each variable among them. */
export async function browse(
  session: ClientSession,
  address: string,
  timeoutMs: number,
): Promise<{ nodeId: string; references: BrowseEntry[]; truncated: boolean }> {
  const parsed = parseNodeAddress(address);
  if (typeof parsed === 'string') throw new DriverError('bad-config', `nodeId: ${parsed}`);
  const namespaces = await session.readNamespaceArray();
  const nodeId = toServerNodeId(parsed, namespaces);
  if (!nodeId) throw new DriverError('bad-config', `the server has no namespace ${parsed.namespaceUri}`);
  const deadline = Date.now() + timeoutMs * 4;
  let result = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: NodeClass.Object | NodeClass.Variable | NodeClass.Method,
    resultMask: 0x3f,
  });
  if (result.statusCode.isNotGood())
    throw new DriverError('exception', `browse ${address}: ${statusText(result.statusCode)}`);
  const refs: ReferenceDescription[] = [...(result.references ?? [])];
  while (result.continuationPoint && refs.length < MAX_REFERENCES && Date.now() < deadline) {
    result = await session.browseNext(result.continuationPoint, false);
    refs.push(...(result.references ?? []));
  }
  const truncated = !!result.continuationPoint;
  if (truncated) await session.browseNext(result.continuationPoint, true).catch(() => undefined);

  const variables = refs.filter((r) => r.nodeClass === NodeClass.Variable);
  // in chunks: servers limit the nodes one Read may carry (MaxNodesPerRead, often 1,000 or less)
  const values: DataValue[] = [];
  for (let i = 0; i < variables.length; i += READ_CHUNK)
    values.push(
      ...(await session.read(
        variables.slice(i, i + READ_CHUNK).flatMap((r) => [
          { nodeId: r.nodeId, attributeId: AttributeIds.Value },
          { nodeId: r.nodeId, attributeId: AttributeIds.UserAccessLevel },
        ]),
      )),
    );
  const byNode = new Map(variables.map((r, i) => [r.nodeId.toString(), i]));
  return {
    nodeId: address,
    truncated,
    references: refs.map((r) => {
      const entry: BrowseEntry = {
        nodeId: toAddressString(r.nodeId.toString(), namespaces),
        browseName: r.browseName.name ?? '',
        displayName: r.displayName.text ?? '',
        nodeClass: NodeClass[r.nodeClass] ?? String(r.nodeClass),
      };
      const i = byNode.get(r.nodeId.toString());
      if (i === undefined) return entry;
      const value = values[2 * i]!;
      const access = values[2 * i + 1]!.value.value as number | undefined;
      return {
        ...entry,
        dataType: DataType[value.value.dataType],
        value: simplify(value.value.value),
        quality: qualityOf(value.statusCode),
        status: statusText(value.statusCode),
        writable: ((access ?? 0) & ACCESS_CURRENT_WRITE) !== 0,
      };
    }),
  };
}

/** JSON-friendly: typed arrays to arrays, long values cut. */
function simplify(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>).slice(0, 50);
  if (Array.isArray(v)) return v.slice(0, 50).map(simplify);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return String((v as { text?: string }).text ?? JSON.stringify(v)).slice(0, 200);
  if (typeof v === 'string') return v.slice(0, 200);
  return v;
}
