import { socatReason } from './docker-port-tunnel';

describe('socatReason', () => {
  it("keeps what socat says went wrong, without its timestamp and call", () => {
    expect(socatReason('2026/11/28 06:30:01 socat[12] E connect(5, AF=2 127.0.0.1:7001, 16): Connection refused\n')).toBe('Connection refused');
    expect(socatReason('2026/11/28 06:30:01 socat[12] E something else\n')).toBe('something else');
    expect(socatReason('\n')).toBe('the connection closed');
  });
});
