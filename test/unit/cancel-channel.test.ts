import test from 'ava';
import { parseCancel } from '../../scheduler/store/cancel-channel.ts';

test('a cancel message gives the job and the reason', (t) => {
  t.deepEqual(parseCancel(JSON.stringify({ jobId: 'j-1', reason: 'no longer needed' })), {
    jobId: 'j-1',
    reason: 'no longer needed',
  });
});

test('a message that is not ours is ignored, not thrown on', (t) => {
  for (const message of ['not json', 'null', '42', '{"jobId":7,"reason":"x"}', '{"jobId":"j-1"}'])
    t.is(parseCancel(message), undefined, message);
});
