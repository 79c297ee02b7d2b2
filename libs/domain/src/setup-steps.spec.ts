import { renderStep, setupProblems } from './setup-steps';

describe('template set-up steps', () => {
  it('fills node addresses and captured outputs', () => {
    expect(renderStep({ node: 'node2', run: 'docker swarm join --token {{ token }} {{node1}}:2377' }, { node1: '10.0.0.2', token: 'SWMTKN-1' })).toBe(
      'docker swarm join --token SWMTKN-1 10.0.0.2:2377',
    );
    expect(() => renderStep({ node: 'node2', run: 'echo {{nope}}' }, {})).toThrow('set-up step on node2 uses {{nope}}, which no node or earlier step provides');
  });

  it('finds unknown nodes and placeholders used before they are captured', () => {
    const nodes = ['node1', 'node2'];
    expect(setupProblems([{ node: 'node1', run: 'x', capture: 'token' }, { node: 'node2', run: 'join {{token}} {{node1}}' }], nodes)).toEqual([]);
    expect(setupProblems([{ node: 'node2', run: 'join {{token}}' }, { node: 'node3', run: 'x', capture: 'token' }], nodes)).toEqual([
      'setup[0].run: {{token}} is neither a node nor captured by an earlier step',
      "setup[1].node: 'node3' is not one of node1, node2",
    ]);
  });
});
