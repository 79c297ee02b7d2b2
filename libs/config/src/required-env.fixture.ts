/** The variables every configuration needs, for the config specs to add theirs to. */
export const REQUIRED_ENV = {
  DATABASE_URL: 'postgres://localhost/test',
  REDIS_URL: 'redis://localhost:6379',
  LABFLEET_ADMIN_TOKEN: 'a-long-enough-admin-token',
  LABFLEET_JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters',
};
