import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { databaseOutage } from './database-outage';

describe('databaseOutage', () => {
  it('recognises refused and timed-out connections', () => {
    expect(databaseOutage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatch(/ECONNREFUSED/);
    expect(databaseOutage(new Error('timeout exceeded when trying to connect'))).toBeTruthy();
    expect(databaseOutage(new Error('Query read timeout'))).toBeTruthy(); // seen under load: was a 500
    expect(databaseOutage({ message: 'x', driverError: { code: '57P01', message: 'terminating connection due to administrator command' } })).toMatch(/administrator/);
  });

  // Found by the chaos suite: Postgres SIGKILLed in the middle of a lab request's transaction was a 500.
  it('recognises a transaction whose connection broke half-way (TypeORM released its runner)', () => {
    expect(databaseOutage(new QueryRunnerProviderAlreadyReleasedError())).toMatch(/connection to the database was lost/);
    expect(databaseOutage(new QueryRunnerAlreadyReleasedError())).toMatch(/connection to the database was lost/); // at its commit
  });

  it('leaves ordinary query errors alone', () => {
    expect(databaseOutage({ message: 'duplicate key', driverError: { code: '23505', message: 'duplicate key' } })).toBeNull();
    expect(databaseOutage(new TypeError('x is undefined'))).toBeNull();
  });
});
