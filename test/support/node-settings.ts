/** The node command's settings as `p2pool ARGS` would resolve them, for the CLI tests. */
import { Command } from 'commander';
import type { ParsedConfig } from '../../src/cli/config-file.js';
import { addNodeOptions, commandLineOf } from '../../src/cli/node-command.js';
import { resolveSettings, type NodeSettings } from '../../src/cli/node-settings.js';

export const HOME = '/home/miner';

/** Parse `args` with the node command's own options, as `p2pool ARGS` would. */
export function settingsOf(args: string[], config: ParsedConfig | null = null): NodeSettings {
  let result: NodeSettings | null = null;
  const cmd = addNodeOptions(new Command('run').argument('[RPCUSER]').argument('[RPCPASSWORD]').exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.action((user: string | undefined, password: string | undefined) => {
    result = resolveSettings(commandLineOf(cmd, user, password), config, HOME);
  });
  cmd.parse(args, { from: 'user' });
  return result!;
}

/** The error `args` are refused with (throws when they are accepted). */
export function failure(args: string[], config: ParsedConfig | null = null): string {
  try {
    settingsOf(args, config);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
}
