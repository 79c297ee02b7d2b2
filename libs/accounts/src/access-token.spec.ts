import { UnauthenticatedError } from '@labfleet/domain';
import { AccessTokenSigner } from './access-token';

describe('AccessTokenSigner', () => {
  const signer = new AccessTokenSigner('a-secret-of-enough-length-for-hs256', 60);

  afterEach(() => jest.useRealTimers());

  it('verifies a token again from memory, and refuses it once expired', () => {
    jest.useFakeTimers({ now: new Date('2026-01-05T10:00:00.000Z') });
    const token = signer.sign('user-1');
    expect(signer.verify(token)).toBe('user-1');
    expect(signer.verify(token)).toBe('user-1');
    jest.setSystemTime(new Date('2026-01-05T10:00:59.999Z'));
    expect(signer.verify(token)).toBe('user-1');
    jest.setSystemTime(new Date('2026-01-05T10:01:00.000Z'));
    expect(() => signer.verify(token)).toThrow(new UnauthenticatedError('access token expired; refresh it'));
    expect(() => signer.verify(token)).toThrow(new UnauthenticatedError('access token expired; refresh it'));
  });

  it('never remembers a token that failed: a changed signature or another key is refused every time', () => {
    const token = signer.sign('user-2');
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const other = new AccessTokenSigner('another-secret-of-enough-length-too', 60).sign('user-2');
    for (let i = 0; i < 2; i++) {
      expect(() => signer.verify(forged)).toThrow(new UnauthenticatedError('invalid token'));
      expect(() => signer.verify(other)).toThrow(new UnauthenticatedError('invalid token'));
    }
    expect(signer.verify(token)).toBe('user-2');
  });
});
