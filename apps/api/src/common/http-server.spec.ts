import { clientErrorResponse } from './http-server';

const parse = (raw: string) => {
  const [head, body] = raw.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) as { statusCode: number; message: string } };
};

describe('clientErrorResponse', () => {
  it('answers headers over the limit with a 431 whose JSON body names the limit', () => {
    const { statusLine, head, body } = parse(clientErrorResponse(Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' })));
    expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(head).toMatch(/Content-Type: application\/json/);
    expect(head).toMatch(/Connection: close/);
    expect(body).toEqual({ statusCode: 431, error: 'Request Header Fields Too Large', message: 'request headers are larger than the server accepts' });
  });

  it("answers a malformed request with a 400 that carries the parser's reason, and a slow one with a 408", () => {
    const malformed = parse(clientErrorResponse(Object.assign(new Error('Parse Error: Duplicate Content-Length'), { code: 'HPE_UNEXPECTED_CONTENT_LENGTH', reason: 'Duplicate Content-Length' })));
    expect(malformed.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(malformed.body.message).toBe('malformed request: Duplicate Content-Length');
    expect(parse(clientErrorResponse(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }))).body.statusCode).toBe(408);
  });

  it('states the body length exactly, in bytes', () => {
    const raw = clientErrorResponse(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD', reason: 'Invalid method encountered — é' }));
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });
});
