import { parseTerminalMessage } from './terminal-message';

describe('parseTerminalMessage', () => {
  it('reads the two messages the browser sends', () => {
    expect(parseTerminalMessage('{"type":"input","data":"ls\\r"}')).toEqual({ type: 'input', data: 'ls\r' });
    expect(parseTerminalMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({ type: 'resize', cols: 120, rows: 40 });
  });

  it.each(['null', '[]', '"input"', '1', '{', '', '{"type":"input"}', '{"type":"input","data":7}', '{"type":"resize","cols":"x","rows":2}', '{"type":"resize","cols":1}', '{"type":"exit"}', '{"__proto__":{"type":"input","data":"x"}}'])(
    'ignores %s',
    (text) => {
      expect(parseTerminalMessage(text)).toBeUndefined();
    },
  );
});
