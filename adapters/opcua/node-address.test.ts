import { describe, expect, it } from 'vitest';
import { fillTemplate, parseNodeAddress, toAddressString, toServerNodeId } from './node-address.js';

describe('OPC UA node addresses', () => {
  it('parses addresses by namespace URI', () => {
    expect(parseNodeAddress('nsu=urn:plant;s=Chiller1.SupplyTemp')).toEqual({
      namespaceUri: 'urn:plant',
      idType: 's',
      id: 'Chiller1.SupplyTemp',
    });
    expect(parseNodeAddress('nsu=urn:plant;i=1001')).toMatchObject({ idType: 'i', id: '1001' });
    expect(parseNodeAddress('i=2258')).toEqual({ namespaceUri: undefined, idType: 'i', id: '2258' });
    expect(parseNodeAddress('ns=0;i=2258')).toEqual({ namespaceUri: undefined, idType: 'i', id: '2258' });
    expect(parseNodeAddress('nsu=http://opcfoundation.org/UA/;i=2258')).toMatchObject({
      namespaceUri: undefined,
    });
    expect(parseNodeAddress('nsu=urn:x;s=a;b=c')).toMatchObject({ namespaceUri: 'urn:x', id: 'a;b=c' });
  });
  it('refuses indexes and malformed ids with a reason', () => {
    expect(parseNodeAddress('ns=2;s=Chiller1.SupplyTemp')).toMatch(/by namespace URI.*indexes may change/);
    expect(parseNodeAddress('Chiller1')).toMatch(/expected a node id/);
    expect(parseNodeAddress('nsu=urn:x;i=abc')).toMatch(/numeric identifier/);
    expect(parseNodeAddress('nsu=urn:x;g=not-a-guid')).toMatch(/GUID/);
    expect(parseNodeAddress('nsu=;s=x')).toMatch(/namespace URI/);
  });
  it('resolves the index a server uses now, and back', () => {
    const a = parseNodeAddress('nsu=urn:plant;s=X') as Exclude<ReturnType<typeof parseNodeAddress>, string>;
    expect(toServerNodeId(a, ['http://opcfoundation.org/UA/', 'urn:server', 'urn:plant'])).toBe('ns=2;s=X');
    expect(toServerNodeId(a, ['http://opcfoundation.org/UA/', 'urn:shift', 'urn:server', 'urn:plant'])).toBe(
      'ns=3;s=X',
    );
    expect(toServerNodeId(a, ['http://opcfoundation.org/UA/'])).toBeUndefined();
    expect(toAddressString('ns=2;s=X', ['', '', 'urn:plant'])).toBe('nsu=urn:plant;s=X');
    expect(toAddressString('i=85', [])).toBe('i=85');
  });
  it('fills a template', () => {
    expect(
      fillTemplate('nsu=urn:p;s={asset}.{point}@{device}', { asset: 'a', point: 'b', device: 'd' }),
    ).toBe('nsu=urn:p;s=a.b@d');
  });
});
