import { apiServerAddressOf, apiServerEndpoints } from './student-api-server';

describe('the API server a student kubectl reaches', () => {
  it('is the URL itself when it names an address', () => {
    expect(apiServerAddressOf('https://10.244.0.1:6443')).toEqual({ ip: '10.244.0.1', port: 6443 });
    expect(apiServerAddressOf('https://[fd00::1]')).toEqual({ ip: 'fd00::1', port: 443 });
    expect(apiServerAddressOf('https://kubernetes.default.svc')).toBeNull();
  });

  it('is where the kubernetes Service leads when the URL names a host', () => {
    const endpoints = { subsets: [{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] };
    expect(apiServerEndpoints(endpoints)).toEqual([
      { ip: '192.0.2.10', port: 6443 },
      { ip: '192.0.2.11', port: 6443 },
    ]);
    expect(apiServerEndpoints({})).toEqual([]);
  });
});
