import { block, blockCount, formatCidr, freeBlocks, overlaps, parseCidr } from './lab-subnets';

describe('lab subnets', () => {
  const pool = parseCidr('10.213.0.0/16');

  it('parses and normalises CIDRs, and refuses what is not one', () => {
    expect(formatCidr(parseCidr('10.213.7.9/16'))).toBe('10.213.0.0/16');
    expect(() => parseCidr('10.213.0.0')).toThrow(/not an IPv4 CIDR/);
    expect(() => parseCidr('300.1.1.1/8')).toThrow(/not an IPv4 CIDR/);
  });

  it('cuts the pool into blocks with their gateways', () => {
    expect(blockCount(pool, 27)).toBe(2048);
    expect(block(pool, 27, 0)).toEqual({ subnet: '10.213.0.0/27', gateway: '10.213.0.1' });
    expect(block(pool, 27, 9)).toEqual({ subnet: '10.213.1.32/27', gateway: '10.213.1.33' });
    expect(block(pool, 27, 2047)).toEqual({ subnet: '10.213.255.224/27', gateway: '10.213.255.225' });
  });

  it('skips blocks that overlap networks already there, whatever their size', () => {
    const used = [parseCidr('10.213.0.0/27'), parseCidr('10.213.0.64/26'), parseCidr('172.17.0.0/16')];
    expect(freeBlocks(pool, 27, used, 3)).toEqual([1, 4, 5]);
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.213.0.0/27'))).toBe(true);
    expect(overlaps(parseCidr('10.213.0.0/27'), parseCidr('10.213.0.32/27'))).toBe(false);
    expect(freeBlocks(parseCidr('10.213.0.0/26'), 27, [parseCidr('10.213.0.0/26')], 5)).toEqual([]);
  });
});
