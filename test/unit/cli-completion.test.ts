// gpubatch completion bash|zsh: scripts generated from the usage text; the bash one is run in a real bash.
import { execFile } from 'node:child_process';
import test from 'ava';
import { gpubatch } from '../support/cli-harness.ts';

/** The words bash offers for `gpubatch <words>` (the last word being completed), using the printed script. */
async function bashCompletes(script: string, words: string[]): Promise<string[]> {
  const line = ['gpubatch', ...words];
  const program = [
    script,
    `COMP_WORDS=(${line.map((word) => `'${word}'`).join(' ')})`,
    `COMP_CWORD=${line.length - 1}`,
    '_gpubatch',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('bash', ['-c', program], (error, out) => (error ? reject(error) : resolve(out))),
  );
  return stdout.split('\n').filter(Boolean);
}

test('the bash script completes commands, sub-commands and each command’s flags', async (t) => {
  const { code, stdout: script } = await gpubatch(['completion', 'bash']);
  t.is(code, 0);

  t.deepEqual(await bashCompletes(script, ['w']), ['watch']);
  t.deepEqual(await bashCompletes(script, ['po']), ['pools']);
  t.deepEqual(await bashCompletes(script, ['queues', 'd']), ['describe']);
  t.deepEqual(await bashCompletes(script, ['logs', '--']), ['--follow', '--attempt', '--tail', '--help']);
  t.deepEqual(await bashCompletes(script, ['watch', '--in']), ['--interval']);
  t.deepEqual(await bashCompletes(script, ['ev']), ['events']);
  t.deepEqual(await bashCompletes(script, ['events', '--']), [
    '--job',
    '--queue',
    '--since',
    '--json',
    '--help',
  ]);
  t.deepEqual(await bashCompletes(script, ['keys', '--e']), [], 'a flag quoted in prose is not offered');
});

test('the zsh script registers the function and lists every command', async (t) => {
  const { code, stdout } = await gpubatch(['completion', 'zsh']);
  t.is(code, 0);
  t.true(stdout.startsWith('#compdef gpubatch\n'));
  t.regex(stdout, /compadd -- up submit describe .* completion --help/);
  t.regex(stdout, /^ {4}logs\) compadd -- --follow --attempt --tail --help ;;$/m);
  t.regex(stdout, /^compdef _gpubatch gpubatch$/m);
});

test('another shell is a usage error naming the choices', async (t) => {
  const run = await gpubatch(['completion', 'fish']);
  t.is(run.code, 2);
  t.regex(run.stderr, /<shell> must be bash or zsh, not "fish"/);
});
