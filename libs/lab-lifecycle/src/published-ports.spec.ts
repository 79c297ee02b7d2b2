import { parsePublishedPorts } from './published-ports';

describe('parsePublishedPorts', () => {
  it('lists each published host port once, with its target, sorted', () => {
    const output = ['web\t0.0.0.0:8080->80/tcp, :::8080->80/tcp', 'db\t5432/tcp', 'dns\t0.0.0.0:5353->53/udp', 'api\t127.0.0.1:3000->3000/tcp', ''].join('\n');
    expect(parsePublishedPorts('node1', output)).toEqual([
      { node: 'node1', port: 3000, target: 3000, protocol: 'tcp', container: 'api' },
      { node: 'node1', port: 5353, target: 53, protocol: 'udp', container: 'dns' },
      { node: 'node1', port: 8080, target: 80, protocol: 'tcp', container: 'web' },
    ]);
  });

  it('is empty when nothing publishes', () => {
    expect(parsePublishedPorts('node1', 'db\t5432/tcp\n')).toEqual([]);
    expect(parsePublishedPorts('node1', '')).toEqual([]);
  });
});
