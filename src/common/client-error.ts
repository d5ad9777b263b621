import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What Node's HTTP parser refuses before any route runs — a URL or headers over its 16 KB limit (431), a request
 * line it cannot parse (400), a request that took too long to arrive (408) — answered in the API's one error shape
 * instead of Node's bare status line, so a client still gets `{ "error": { "code" } }`. (Node's own pattern for
 * the `clientError` event; nothing reached the app, nothing was logged.)
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (err.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const [status, code, message] = clientErrorAnswer(err.code);
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

export function clientErrorAnswer(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW')
    return [431, 'request_too_large', 'the URL and headers together must stay under 16 KB'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return [408, 'request_timeout', 'the request took too long to arrive'];
  return [400, 'bad_request', 'the request is not well-formed HTTP'];
}
