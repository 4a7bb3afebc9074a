/**
 * Child process of the decode suite: `{ t: 'send', url, shape, size, count }` connects, sends
 * the frame of that shape `count` times, one after another (each once the previous is
 * answered), and reports what the last answer was.
 */
import { WebSocket } from 'ws';
import { serveParent } from './child.js';
import { SHAPES } from './decode-frames.js';

let socket;
let url;
let waiting;

async function connect(to) {
  socket?.close();
  url = to;
  socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data) => {
    const text = data.toString();
    if (!text.includes('"hello"')) waiting?.(text);
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
}

serveParent(async (message) => {
  if (message.t !== 'send') throw new Error(`unknown request ${message.t}`);
  if (url !== message.url) await connect(message.url);
  const frame = SHAPES[message.shape](message.size);
  let answer = '';
  for (let i = 0; i < message.count; i++) {
    const answered = new Promise((resolve) => (waiting = resolve));
    socket.send(frame);
    answer = await answered;
  }
  return { answer: answer.slice(0, 160), length: frame.length };
});
