import { DataType, Variant, VariantArrayType } from 'node-opcua';
import type { PointValue } from '../../core/model/reading.js';

/** A scalar OPC UA value as a point's raw value; undefined when it cannot be one (arrays, structures, null). */
export function fromVariant(v: Variant, type: 'number' | 'boolean' | 'string'): PointValue | undefined {
  if (v.arrayType !== undefined && v.arrayType !== VariantArrayType.Scalar) return undefined;
  const x: unknown = v.value;
  switch (v.dataType) {
    case DataType.Boolean:
      return type === 'number' ? (x ? 1 : 0) : type === 'string' ? String(x) : (x as boolean);
    case DataType.SByte:
    case DataType.Byte:
    case DataType.Int16:
    case DataType.UInt16:
    case DataType.Int32:
    case DataType.UInt32:
    case DataType.Float:
    case DataType.Double:
      return type === 'string' ? String(x) : (x as number);
    case DataType.Int64:
    case DataType.UInt64: {
      // node-opcua gives [high, low] 32-bit words
      const [hi, lo] = x as [number, number];
      const n = v.dataType === DataType.Int64 ? (hi | 0) * 2 ** 32 + lo : hi * 2 ** 32 + lo;
      return type === 'string' ? String(n) : n;
    }
    case DataType.String:
      return type === 'string' ? (x as string) : undefined;
    case DataType.LocalizedText:
      return type === 'string' ? ((x as { text?: string })?.text ?? '') : undefined;
    case DataType.DateTime:
      return type === 'number'
        ? (x as Date).getTime()
        : type === 'string'
          ? (x as Date).toISOString()
          : undefined;
    default:
      return undefined;
  }
}

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.SByte]: [-128, 127],
  [DataType.Byte]: [0, 255],
  [DataType.Int16]: [-32768, 32767],
  [DataType.UInt16]: [0, 65535],
  [DataType.Int32]: [-(2 ** 31), 2 ** 31 - 1],
  [DataType.UInt32]: [0, 2 ** 32 - 1],
};

/** A value to write as the node's own data type; a message when it does not fit. */
export function toVariant(value: PointValue, dataType: DataType): Variant | string {
  const range = INTEGER_RANGES[dataType];
  if (range) {
    const n = typeof value === 'boolean' ? Number(value) : Math.round(Number(value));
    if (!Number.isFinite(n) || n < range[0] || n > range[1])
      return `${value} does not fit the node's ${DataType[dataType]} (${range[0]}…${range[1]})`;
    return new Variant({ dataType, value: n });
  }
  switch (dataType) {
    case DataType.Float:
    case DataType.Double: {
      const n = Number(value);
      if (typeof value === 'string' || !Number.isFinite(n))
        return `expected a number for the node's ${DataType[dataType]}`;
      return new Variant({ dataType, value: n });
    }
    case DataType.Boolean:
      if (typeof value === 'boolean' || value === 0 || value === 1)
        return new Variant({ dataType, value: !!value });
      return `expected true or false for the node's Boolean, got ${value}`;
    case DataType.String:
      return new Variant({ dataType, value: String(value) });
    default:
      return `the hub does not write the node's data type ${DataType[dataType] ?? dataType}`;
  }
}
