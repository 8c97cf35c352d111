#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The `p2pool` executable.
 *
 * Node runs it with a 2 MB young generation (V8's semi-space; its default grows to 16 MB): at
 * start every stored share is decoded into objects that all survive, and the collector copied
 * them through a large young generation; with 2 MB the load took ~15% less CPU and the node
 * ~25-30 MB less RSS (docs/operations.md#startup-time). A V8 flag cannot be changed once the
 * heap exists, hence the first line (`env -S`: GNU coreutils 8.30+, BSD and macOS env).
 *
 * Subcommands register themselves on one commander program. Running the node will become the
 * default command (`p2pool [options] [RPCUSER RPCPASSWORD]`, the seed's run_p2pool.py usage)
 * by registering it with `program.command('run', { isDefault: true })`: commander then routes
 * any invocation that names no subcommand to it, so `inspect` and `chain` keep working
 * unchanged. Until it exists, `p2pool` alone prints help on stderr and exits 1 (commander's
 * behaviour for a program with subcommands and no action of its own).
 *
 * Every failure reaches the user as one line on stderr (`error: ...`) with exit code 1
 * (docs/architecture.md#errors: "errors reach the user as one clear line").
 */
import { Command, CommanderError } from 'commander';
import { findPackageRoot } from '../bitcoin/package-root.js';
import { versionText } from './version.js';

/** The package version (src/bitcoin/package-root.ts). */
function packageVersion(): string {
  return findPackageRoot()?.version ?? 'unknown';
}

/**
 * Each subcommand's module, imported only when it is needed: the node (`run`, the default
 * command) does not wait for the simulator's, the chain verifier's or the inspector's modules
 * to load (issue 18: the first job to a miner under 1 s after start; Node's module loading is a
 * few ms per module). `p2pool --help`, `p2pool help` and `--version` load all of them.
 */
const REGISTER: Record<string, () => Promise<(program: Command) => void>> = {
  inspect: async () => (await import('./inspect-command.js')).registerInspectCommand,
  chain: async () => (await import('./chain-command.js')).registerChainCommand,
  status: async () => (await import('./status-command.js')).registerStatusCommand,
  run: async () => {
    const { registerNodeCommand } = await import('./node-command.js');
    return (program) => registerNodeCommand(program, packageVersion());
  },
  simulate: async () => (await import('./simulate-command.js')).registerSimulateCommand,
};

/**
 * The subcommands `args` (after `node p2pool`) may run: the one it names, `run` when it names
 * none (the default command), every one for help and the version (they list them all).
 */
export function commandsFor(args: readonly string[]): string[] {
  const all = Object.keys(REGISTER);
  if (args.some((a) => HELP_FLAGS.has(a) || a === '--version')) return all;
  const first = args[0];
  if (first === undefined || first.startsWith('-')) return ['run'];
  if (first in REGISTER) return [first];
  // `help`, or an argument commander will route to the default command or refuse: as before.
  return all;
}

async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('p2pool')
    .description('P2Pool node: a decentralized mining pool beside your own full node')
    .version(versionText(packageVersion()), '--version', 'print the version, the P2P protocol version and the share versions, and exit')
    // Commander reports its own usage errors (unknown option, missing argument, bad choice)
    // on stderr; exitOverride makes it throw instead of calling process.exit, so main() sets
    // the exit code and a large JSON result already queued on a pipe is never cut short.
    // Set before any subcommand exists: subcommands copy it when they are created.
    .exitOverride();
  const wanted = new Set(commandsFor(args));
  // Registered in the same order whichever are loaded (the help lists them in this order).
  const registers = await Promise.all(Object.entries(REGISTER).filter(([name]) => wanted.has(name)).map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

/** One line, whatever the error carries (messages from deep layers may contain newlines). */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}

/** Subcommand names the program knows (commander's own `help` included). */
const COMMANDS = new Set(['inspect', 'chain', 'status', 'run', 'simulate', 'help']);
const HELP_FLAGS = new Set(['--help', '-h']);

/**
 * `p2pool --net bitcoin --testnet --help` (the seed's run_p2pool.py form) must show the node's
 * options with that network's defaults. Commander answers a help flag before a default command
 * with the program's help, so such an invocation is routed to `run` explicitly. Nothing else
 * changes: `p2pool --help` alone still lists the subcommands.
 */
function routeHelpToRun(args: readonly string[]): string[] {
  if (args.length === 0 || COMMANDS.has(args[0]!)) return [...args];
  if (!args.some((a) => HELP_FLAGS.has(a)) || args.every((a) => HELP_FLAGS.has(a))) return [...args];
  return ['run', ...args];
}

/** Exit code of a one-shot command whose reader closed stdout: 128 + SIGPIPE (13), as a Unix tool killed by SIGPIPE. */
const CLOSED_PIPE_EXIT = 141;

/**
 * A one-shot command whose reader went away (`p2pool inspect block @FILE | head`) stops at once
 * and quietly, as Unix tools do on SIGPIPE (Node ignores the signal, so the write fails with
 * EPIPE instead; unhandled, that was a stack trace), with CLOSED_PIPE_EXIT: its output was cut
 * short, so a script with `set -o pipefail` must not read it as a success. Not the node: its
 * stdout is its log, and a log it cannot write is an error its supervisor must see.
 */
function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
    throw err;
  });
}

async function main(argv: string[]): Promise<void> {
  const args = routeHelpToRun(argv.slice(2));
  if (!commandsFor(args).every((c) => c === 'run')) quietOnClosedStdout();
  try {
    const program = await buildProgram(args);
    await program.parseAsync([...argv.slice(0, 2), ...args]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors were already printed.
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    process.stderr.write(`error: ${oneLine(err)}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
