// A TCP port on 127.0.0.1 that was free a moment ago (for a server a test starts, such as
// nats-server), for the Node tests (tests/soak, tests/web).
import { once } from 'node:events';
import net from 'node:net';

export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  return port;
}
