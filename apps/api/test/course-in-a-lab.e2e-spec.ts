import { LabStatus } from '@labfleet/contracts';
import { eventually, LabfleetStack } from '@labfleet/testing';

jest.setTimeout(180_000);

/**
 * The first half of the course (../shared/seed), typed into one lab (of the default, confined
 * profile) through the exec API, offline.
 */
describe('the course inside a lab (images served by the platform mirror, no internet)', () => {
  let stack: LabfleetStack;
  let lab: string;
  const sh = (script: string, timeout = 120) => stack.client.sh(lab, script, timeout);
  /** The result of `script` once it succeeds (a server just started in the lab takes a moment to answer). */
  const succeeds = (script: string, what: string) =>
    eventually(
      async () => {
        const r = await sh(script);
        expect(r).toMatchObject({ exitCode: 0 });
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 200, what },
    );

  beforeAll(async () => {
    stack = await LabfleetStack.start();
    lab = (await stack.client.post('/api/v1/labs', { template: 'docker' })).body.id;
    await stack.client.waitForLab(lab, [LabStatus.Ready]);
  });
  afterAll(() => stack?.stop());

  it('pulls course images from the mirror: docker pull nginx, debian:bookworm-slim', async () => {
    const pull = await sh('docker pull nginx && docker pull debian:bookworm-slim && docker images --format "{{.Repository}}:{{.Tag}}"');
    expect(pull.exitCode).toBe(0);
    expect(pull.stdout).toMatch(/nginx:latest/);
    expect(pull.stdout).toMatch(/debian:bookworm-slim/);
  });

  it('docker run -d -p 8080:80 nginx serves its page on the lab', async () => {
    expect(await sh('docker run -d --name web -p 8080:80 nginx')).toMatchObject({ exitCode: 0 });
    expect((await succeeds('curl -sf localhost:8080', 'nginx to answer on 8080')).stdout).toMatch(/Welcome to nginx/);
  });

  it('a named volume outlives the container that wrote it', async () => {
    const r = await sh(
      'docker volume create data && docker run --rm -v data:/data debian:bookworm-slim sh -c "echo kept > /data/f" && docker run --rm -v data:/data debian:bookworm-slim cat /data/f',
    );
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stdout.trim().split('\n').pop()).toBe('kept');
  });

  it('containers on a user-defined network reach each other by name', async () => {
    expect(await sh('docker network create course && docker run -d --name srv --network course nginx')).toMatchObject({ exitCode: 0 });
    const r = await succeeds('docker run --rm --network course nginx curl -sf http://srv/', 'srv to answer by name');
    expect(r.stdout).toMatch(/Welcome to nginx/);
  });

  it('docker build makes an image from a Dockerfile', async () => {
    const r = await sh(
      'mkdir -p /root/app && cd /root/app && printf "hello from the image\\n" > msg && printf "FROM debian:bookworm-slim\\nCOPY msg /msg\\nCMD [\\"cat\\", \\"/msg\\"]\\n" > Dockerfile && docker build -q -t course/app:1 . && docker run --rm course/app:1',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/hello from the image/);
  });

  it('a multi-stage build keeps only what the last stage copies', async () => {
    const r = await sh(
      'mkdir -p /root/slim && cd /root/slim && printf "FROM debian:bookworm-slim AS build\nRUN echo built-in-stage-one > /artifact && head -c 5000000 /dev/urandom > /big\nFROM debian:bookworm-slim\nCOPY --from=build /artifact /artifact\nCMD [\\"cat\\", \\"/artifact\\"]\n" > Dockerfile && docker build -q -t course/slim:1 . >/dev/null && docker run --rm course/slim:1 && docker run --rm course/slim:1 ls /big 2>&1 || true',
    );
    expect(r.stdout).toMatch(/built-in-stage-one/);
    expect(r.stdout).toMatch(/No such file/);
  });

  it('runs a registry in the lab, pushes an image to it and pulls it back', async () => {
    expect(await sh('docker run -d --name reg -p 5000:5000 registry:2')).toMatchObject({ exitCode: 0 });
    await succeeds('curl -sf localhost:5000/v2/', 'the registry to answer');
    const r = await sh(
      'mkdir -p /root/pushed && cd /root/pushed && printf "FROM debian:bookworm-slim\\nCMD [\\"echo\\", \\"pulled back\\"]\\n" > Dockerfile && docker build -q -t localhost:5000/course/pushed:1 . >/dev/null && ' +
        'docker push -q localhost:5000/course/pushed:1 && docker rmi -f localhost:5000/course/pushed:1 >/dev/null && ' +
        'docker pull -q localhost:5000/course/pushed:1 >/dev/null && docker run --rm localhost:5000/course/pushed:1 && curl -s localhost:5000/v2/_catalog',
      180,
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/pulled back/);
    expect(r.stdout).toMatch(/"course\/pushed"/);
  });

  it('docker compose up runs a two-service stack whose services talk by name', async () => {
    const compose = ['services:', '  web:', '    image: nginx', '    ports: ["8081:80"]', '  cache:', '    image: redis:7-alpine'].join('\\n');
    expect(await sh(`mkdir -p /root/stack && cd /root/stack && printf '${compose}\\n' > docker-compose.yml && docker compose up -d`, 180)).toMatchObject({ exitCode: 0 });
    const r = await succeeds("cd /root/stack && docker compose exec -T web sh -c 'getent hosts cache' && curl -sf localhost:8081 | head -c 200 && docker compose ps", 'the stack to answer');
    expect(r.stdout).toMatch(/cache/);
    expect(r.stdout).toMatch(/Welcome to nginx/);
  });

  it('docker swarm init makes the lab a one-node swarm that runs a service', async () => {
    const r = await sh('docker swarm init >/dev/null && docker node ls --format "{{.Status}} {{.ManagerStatus}}" && docker service create -q --name s --replicas 1 nginx >/dev/null && docker service ls --format "{{.Name}} {{.Replicas}}"', 120);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Ready Leader/);
    expect(r.stdout).toMatch(/s 1\/1/);
  });
});
