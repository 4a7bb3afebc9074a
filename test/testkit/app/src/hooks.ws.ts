import { LiveError, type Upgrade } from '../../../../runtime/server/index.js';

const sessions = new Map([['alice-session', { id: 'alice', name: 'Alice' }]]);

export const upgrade: Upgrade = ({ cookies, request }) => {
  const session = cookies.get('session');
  if (session === 'expired') throw new LiveError('UNAUTHORIZED', 'Your session expired; log in again');
  if (request.headers.get('authorization') === 'Bearer bob') return { id: 'bob', name: 'Bob' };
  return (session && sessions.get(session)) || null;
};
