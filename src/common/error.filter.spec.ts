import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './error.filter.js';

describe('toErrorResponse for PostgreSQL failures', () => {
  it('a refused connection is a 503 that says PostgreSQL is unreachable', () => {
    expect(toErrorResponse(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toEqual({
      status: 503,
      body: { error: 'PostgreSQL is unreachable right now; retry later', code: 'DATABASE_UNAVAILABLE' },
    });
  });

  it('a statement past the query timeout is a 503 that says PostgreSQL did not answer in time', () => {
    expect(toErrorResponse(new Error('Query read timeout'))).toEqual({
      status: 503,
      body: { error: 'PostgreSQL did not answer in time (the statement ran past its timeout); retry later', code: 'DATABASE_UNAVAILABLE' },
    });
  });

  it('any other error is a 500 that leaks nothing', () => {
    expect(toErrorResponse(new Error('relation "x" does not exist'))).toEqual({ status: 500, body: { error: 'internal error', code: 'INTERNAL' } });
  });
});
