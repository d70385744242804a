// AWS Batch's evaluateOnExit: which rule, if any, decides what happens after a failed attempt. Pure.
import type { RetryRule } from '../../api/schemas/retry-strategy.ts';
import type { AttemptFailure } from '../../runner/protocol.ts';

/** What a rule is matched against: any executor's typed failure plus the exit code it saw, if any. */
export interface FailedAttempt {
  failure: AttemptFailure;
  exitCode?: number;
}

/** `*` matches any run of characters (also none); every other character matches itself; whole string. */
export function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (!text.startsWith(first) || text.length < first.length + last.length) return false;
  if (!text.endsWith(last)) return false;
  // Greedy-free scan: each middle piece at its earliest place after the previous one.
  let at = first.length;
  const end = text.length - last.length;
  for (const piece of parts.slice(1, -1)) {
    const found = text.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** Every condition the rule gives must match; an exit-code condition never matches a missing exit code. */
export function ruleMatches(rule: RetryRule, attempt: FailedAttempt): boolean {
  if (rule.onExitCode !== undefined) {
    if (attempt.exitCode === undefined || !globMatches(rule.onExitCode, String(attempt.exitCode)))
      return false;
  }
  if (rule.onReason !== undefined && !globMatches(rule.onReason, attempt.failure.code)) return false;
  if (rule.onStatusReason !== undefined && !globMatches(rule.onStatusReason, attempt.failure.message))
    return false;
  return true;
}

export interface MatchedRule {
  /** 1-based, as users count their rules. */
  number: number;
  action: 'RETRY' | 'EXIT';
  rule: RetryRule;
}

/** The first rule that matches (rules are tried in order), or undefined when none does. */
export function firstMatchingRule(
  rules: readonly RetryRule[] | undefined,
  attempt: FailedAttempt,
): MatchedRule | undefined {
  const index = (rules ?? []).findIndex((rule) => ruleMatches(rule, attempt));
  if (index === -1) return undefined;
  const rule = rules![index]!;
  return { number: index + 1, action: rule.action.toUpperCase() as 'RETRY' | 'EXIT', rule };
}

/** "rule 2 (onExitCode 3, onReason INTERNAL)": for status reasons. */
export function describeRule({ number, rule }: MatchedRule): string {
  const conditions = (['onExitCode', 'onReason', 'onStatusReason'] as const)
    .filter((key) => rule[key] !== undefined)
    .map((key) => `${key} ${JSON.stringify(rule[key])}`);
  return `evaluateOnExit rule ${number} (${conditions.join(', ')})`;
}
