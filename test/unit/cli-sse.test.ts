// The CLI's Server-Sent Events reader: events come out as their blocks complete, however the text is cut.
import test from 'ava';
import { SseParser } from '../../cli/sse.ts';

const STREAM =
  ': ping\n\n' +
  'id: 1-0\nevent: status\ndata: {"jobId":"a"}\n\n' +
  'event: missed\ndata: {"after":"0-0"}\n\n' +
  'id: 2-0\r\nevent: progress\r\ndata: line one\r\ndata: line two\r\n\r\n';

const EXPECTED = [
  { id: '1-0', event: 'status', data: '{"jobId":"a"}' },
  { event: 'missed', data: '{"after":"0-0"}' },
  { id: '2-0', event: 'progress', data: 'line one\nline two' },
];

test('comments are skipped; id, event and data lines make an event; \\r\\n ends lines too', (t) => {
  const parser = new SseParser();

  t.deepEqual(parser.push(STREAM), EXPECTED);
  t.is(parser.lastEventId, '2-0');
});

test('the same events whatever the chunk boundaries, a \\r\\n split in two included', (t) => {
  for (const size of [1, 2, 3, 7, 16]) {
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < STREAM.length; i += size) events.push(...parser.push(STREAM.slice(i, i + size)));
    t.deepEqual(events, EXPECTED, `chunks of ${size}`);
  }
});

test('an unfinished block is held back until its blank line arrives', (t) => {
  const parser = new SseParser();

  t.deepEqual(parser.push('id: 5-0\nevent: status\ndata: {}\n'), []);
  t.is(parser.lastEventId, '5-0', 'the id counts at once, as for EventSource');
  t.deepEqual(parser.push('\n'), [{ id: '5-0', event: 'status', data: '{}' }]);
});

test('a block without an event name is a "message"; a field without a colon has an empty value', (t) => {
  const parser = new SseParser();

  t.deepEqual(parser.push('data\n\ndata: x\nretry: 100\n\n'), [
    { event: 'message', data: '' },
    { event: 'message', data: 'x' },
  ]);
});
