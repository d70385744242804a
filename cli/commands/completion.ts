// gpubatch completion bash|zsh: a completion script for commands, sub-commands and flags (files otherwise).
import { parseCommandArgs } from '../args.ts';
import { type CommandWords, commandWords } from '../completion-words.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';

const wordsOf = (command: CommandWords) => [...command.subcommands, ...command.flags].join(' ');

function bashScript(commands: CommandWords[]): string {
  const cases = commands.map((command) => `    ${command.name}) words="${wordsOf(command)}" ;;`);
  return [
    '# gpubatch completion for bash: source <(gpubatch completion bash)',
    '_gpubatch() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" words=""',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W "${commands.map((command) => command.name).join(' ')} --help" -- "$cur"))`,
    '    return',
    '  fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    // -o default: with no word matching, complete file names (spec files, --cluster nodes.csv, ...).
    'complete -o default -F _gpubatch gpubatch',
    '',
  ].join('\n');
}

function zshScript(commands: CommandWords[]): string {
  const cases = commands.map((command) => `    ${command.name}) compadd -- ${wordsOf(command)} ;;`);
  return [
    '#compdef gpubatch',
    '# gpubatch completion for zsh: source <(gpubatch completion zsh) after compinit',
    '_gpubatch() {',
    '  if (( CURRENT == 2 )); then',
    `    compadd -- ${commands.map((command) => command.name).join(' ')} --help`,
    '    return',
    '  fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '  case "${words[2]}" in',
    ...cases,
    '  esac',
    '  _files',
    '}',
    'compdef _gpubatch gpubatch',
    '',
  ].join('\n');
}

export async function completionCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs('completion', args, {}, ['<shell>']);
  const shell = positionals[0];
  if (shell !== 'bash' && shell !== 'zsh')
    throw new UsageError(`completion: <shell> must be bash or zsh, not "${shell}"`, COMMAND_USAGE.completion);
  ctx.stdout.write(shell === 'bash' ? bashScript(commandWords()) : zshScript(commandWords()));
  return EXIT.ok;
}
