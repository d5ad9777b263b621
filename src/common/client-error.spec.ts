import { clientErrorAnswer } from './client-error';

describe('clientErrorAnswer', () => {
  it('names what the HTTP parser refused', () => {
    expect(clientErrorAnswer('HPE_HEADER_OVERFLOW')).toEqual([431, 'request_too_large', expect.any(String)]);
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT')[0]).toBe(408);
    expect(clientErrorAnswer('HPE_INVALID_METHOD')).toEqual([400, 'bad_request', expect.any(String)]);
    expect(clientErrorAnswer(undefined)[0]).toBe(400);
  });
});
