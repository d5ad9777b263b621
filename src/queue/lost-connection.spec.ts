import { isLostConnection } from './lost-connection';

describe('isLostConnection', () => {
  it('knows a terminated backend, a server shutting down or starting, and a broken socket', () => {
    expect(
      isLostConnection({ code: '57P01', message: 'terminating connection due to administrator command' }),
    ).toBe(true);
    expect(isLostConnection({ code: '57P03', message: 'the database system is starting up' })).toBe(true);
    expect(isLostConnection({ code: '08006', message: 'connection failure' })).toBe(true);
    expect(isLostConnection(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isLostConnection(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe(true);
  });

  it('looks inside a TypeORM QueryFailedError', () => {
    const driverError = { code: '57P01', message: 'terminating connection due to administrator command' };
    expect(isLostConnection({ message: 'query failed', driverError })).toBe(true);
  });

  it('leaves the statement’s own failures alone', () => {
    expect(
      isLostConnection({ code: '23505', message: 'duplicate key value violates unique constraint' }),
    ).toBe(false);
    expect(isLostConnection({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe(
      false,
    );
    expect(isLostConnection(new Error('the import failed'))).toBe(false);
    expect(isLostConnection(null)).toBe(false);
    expect(isLostConnection('Connection terminated')).toBe(false);
  });
});
