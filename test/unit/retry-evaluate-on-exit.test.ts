// evaluateOnExit rules (AWS Batch semantics) and the retry decision after a failed attempt.
import test from 'ava';
import fc from 'fast-check';
import { RetryStrategySchema } from '../../api/schemas/retry-strategy.ts';
import type { AttemptFailure } from '../../runner/protocol.ts';
import { firstMatchingRule, globMatches, ruleMatches } from '../../scheduler/retry/evaluate-on-exit.ts';
import { countsAsAttempt, decideRetry, TIMEOUT_STATUS_REASON } from '../../scheduler/retry/retry-decision.ts';

const failure = (code: string, message = `${code} happened`, retryable = true): AttemptFailure => ({
  code,
  message,
  retryable,
});
const strategy = (input: unknown) => RetryStrategySchema.parse(input);
const noJitter = () => 0;

test('a glob without "*" matches only the whole string', (t) => {
  t.true(globMatches('3', '3'));
  t.false(globMatches('3', '31'));
  t.false(globMatches('3', '13'));
  t.false(globMatches('', '3'));
});

test('"*" matches any run of characters, none included, anywhere in the pattern', (t) => {
  t.true(globMatches('13*', '13'));
  t.true(globMatches('13*', '137'));
  t.false(globMatches('13*', '31'));
  t.true(globMatches('*', ''));
  t.true(globMatches('*Killed', 'OOMKilled'));
  t.true(globMatches('Host * terminated*', 'Host EC2 (i-123) terminated.'));
  t.false(globMatches('a*a', 'a'), 'prefix and suffix may not overlap');
  t.true(globMatches('a*b*c', 'abbbc'));
  t.false(globMatches('a*b*c', 'acb'));
  t.false(globMatches('oom*', 'OOMKilled'), 'matching is case-sensitive');
});

test('globMatches agrees with the equivalent anchored regular expression', (t) => {
  const literal = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const reference = (pattern: string, text: string) =>
    new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`, 's').test(text);
  const property = fc.property(
    fc.stringMatching(/^[ab.*]{0,8}$/),
    fc.stringMatching(/^[ab.]{0,10}$/),
    (pattern, text) => globMatches(pattern, text) === reference(pattern, text),
  );
  t.notThrows(() => fc.assert(property, { numRuns: 2000 }));
});

test('a rule matches when every condition it gives matches; exit codes compare in decimal', (t) => {
  const oom = { failure: failure('OOMKilled', 'container killed: memory limit 4Gi'), exitCode: 137 };
  t.true(ruleMatches({ onExitCode: '137', action: 'EXIT' }, oom));
  t.true(ruleMatches({ onExitCode: '13*', onReason: 'OOM*', action: 'EXIT' }, oom));
  t.false(ruleMatches({ onExitCode: '137', onReason: 'Evicted', action: 'EXIT' }, oom));
  t.true(ruleMatches({ onStatusReason: '*memory limit*', action: 'EXIT' }, oom));
});

test('an exit-code condition never matches an attempt without an exit code', (t) => {
  t.false(ruleMatches({ onExitCode: '*', action: 'EXIT' }, { failure: failure('INTERNAL') }));
});

test('rules are tried in order and the first match decides', (t) => {
  const rules = [
    { onReason: 'Evicted', action: 'RETRY' },
    { onExitCode: '1*', action: 'exit' },
    { onExitCode: '*', action: 'RETRY' },
  ];
  const matched = firstMatchingRule(rules, { failure: failure('INTERNAL'), exitCode: 12 });
  t.like(matched, { number: 2, action: 'EXIT' }, 'action is case-insensitive, as in AWS');
  t.is(firstMatchingRule(rules, { failure: failure('INTERNAL') }), undefined);
});

test('exit code 3 with rule {onExitCode: "3", action: EXIT} fails the job though attempts remain', (t) => {
  const decision = decideRetry(
    strategy({ attempts: 3, evaluateOnExit: [{ onExitCode: '3', action: 'EXIT' }] }),
    { failure: failure('INTERNAL', 'exited 3'), exitCode: 3 },
    1,
    'attempt 1 failed',
    noJitter,
  );
  t.deepEqual(decision, {
    retry: false,
    reason: 'attempt 1 failed; evaluateOnExit rule 1 (onExitCode "3") says EXIT',
  });
});

test('when no rule matches, the job is retried while attempts remain', (t) => {
  const rules = strategy({ attempts: 2, evaluateOnExit: [{ onExitCode: '3', action: 'EXIT' }] });
  const attempt = { failure: failure('INTERNAL'), exitCode: 4 };
  t.like(decideRetry(rules, attempt, 1, 'attempt 1 failed', noJitter), { retry: true, delayMs: 0 });
  t.like(decideRetry(rules, attempt, 2, 'attempt 2 failed', noJitter), {
    retry: false,
    reason: 'attempt 2 failed (no attempts left)',
  });
});

test('a RETRY rule does not add attempts beyond `attempts`', (t) => {
  const rules = strategy({ attempts: 1, evaluateOnExit: [{ onReason: '*', action: 'RETRY' }] });
  t.like(decideRetry(rules, { failure: failure('INTERNAL') }, 1, 'attempt 1 failed', noJitter), {
    retry: false,
  });
});

test('a timeout is never retried, whatever the rules and attempts say', (t) => {
  const rules = strategy({ attempts: 5, evaluateOnExit: [{ onReason: 'TIMEOUT', action: 'RETRY' }] });
  const decision = decideRetry(rules, { failure: failure('TIMEOUT') }, 1, 'attempt 1 failed', noJitter);
  t.false(decision.retry);
  t.true(decision.reason.startsWith(TIMEOUT_STATUS_REASON));
});

test('a failure its executor marks not retryable (bad input) is not retried by a RETRY rule', (t) => {
  const rules = strategy({ attempts: 5, evaluateOnExit: [{ onReason: '*', action: 'RETRY' }] });
  const attempt = { failure: failure('INPUT_MALFORMED', 'row 3: not a number', false) };
  t.deepEqual(decideRetry(rules, attempt, 1, 'attempt 1 failed', noJitter), {
    retry: false,
    reason: 'attempt 1 failed',
  });
});

test('a retry with backoff says when, and which rule chose it', (t) => {
  const rules = strategy({
    attempts: 3,
    evaluateOnExit: [{ onReason: 'Evicted', action: 'RETRY' }],
    backoff: { initialSeconds: 30, jitter: 0 },
  });
  const decision = decideRetry(rules, { failure: failure('Evicted') }, 2, 'attempt 2 failed', noJitter);
  t.deepEqual(decision, {
    retry: true,
    delayMs: 60_000,
    reason:
      'attempt 2 failed; evaluateOnExit rule 1 (onReason "Evicted") says RETRY; retrying in 60 s (backoff) (2 of 3 attempts used)',
  });
});

test('interruptions use up attempts only with countInterruptions, and never a shutdown', (t) => {
  const plain = strategy({ attempts: 3 });
  const counting = strategy({ attempts: 3, countInterruptions: true });
  const preempted = { outcome: 'preempted', interruptedBy: 'preempt' } as const;
  const drained = { outcome: 'interrupted', interruptedBy: 'terminated' } as const;
  const shutdown = { outcome: 'interrupted', interruptedBy: 'shutdown' } as const;
  t.deepEqual(
    [preempted, drained, shutdown, { outcome: 'failed' } as const].map((a) => countsAsAttempt(plain, a)),
    [false, false, false, true],
  );
  t.deepEqual(
    [preempted, drained, shutdown, { outcome: 'lost' } as const].map((a) => countsAsAttempt(counting, a)),
    [true, true, false, false],
  );
});
