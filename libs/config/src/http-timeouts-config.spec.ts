import { loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

describe('HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_REQUEST_TIMEOUT_SECONDS', () => {
  it('cut slow heads after 20 s and slow requests after 300 s by default, and as told', () => {
    expect(loadConfig(REQUIRED_ENV).http).toEqual({ headersTimeoutSeconds: 20, requestTimeoutSeconds: 300 });
    expect(loadConfig({ ...REQUIRED_ENV, HTTP_HEADERS_TIMEOUT_SECONDS: '5', HTTP_REQUEST_TIMEOUT_SECONDS: '60' }).http).toEqual({ headersTimeoutSeconds: 5, requestTimeoutSeconds: 60 });
  });

  it('name a bad value, and a head allowed longer than its whole request', () => {
    expect(() => loadConfig({ ...REQUIRED_ENV, HTTP_HEADERS_TIMEOUT_SECONDS: '0' })).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ ...REQUIRED_ENV, HTTP_REQUEST_TIMEOUT_SECONDS: 'soon' })).toThrow(/HTTP_REQUEST_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ ...REQUIRED_ENV, HTTP_HEADERS_TIMEOUT_SECONDS: '400' })).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS/);
  });
});
