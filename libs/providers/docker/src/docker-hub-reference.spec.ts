import { parseHubReference } from './docker-hub-reference';

describe('parseHubReference', () => {
  it.each([
    ['nginx', 'library/nginx', 'latest'],
    ['nginx:latest', 'library/nginx', 'latest'],
    ['debian:bookworm-slim', 'library/debian', 'bookworm-slim'],
    ['user/app:1.2', 'user/app', '1.2'],
    ['docker.io/library/redis:7-alpine', 'library/redis', '7-alpine'],
  ])('%s is %s:%s on Docker Hub', (image, repository, tag) => {
    expect(parseHubReference(image)).toEqual({ repository, tag });
  });

  it.each(['ghcr.io/org/app:1', 'localhost:5000/app', 'nginx@sha256:abcd', 'Bad Name'])('%s cannot come from a Docker Hub mirror', (image) => {
    expect(parseHubReference(image)).toBeNull();
  });
});
