/**
 * The `lucid` command line: dispatches to sub-commands.
 * - `lucid start [--replay FILE] [...]`: the embedded stack (see start.ts).
 * - `lucid score --format F --in FILE --out FILE [...]`: scores a recorded file (see score.ts).
 */
const USAGE = `usage: lucid <command> [options]

commands:
  start    run the embedded stack: MQTT broker, Node-RED with the Lucid flow, simulator or --replay FILE
  score    score a recorded file (NAB, SKAB, SMD, CSV) with the detector the nodes run: lucid score --help
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start')).start,
  score: async () => {
    const { score } = await import('./score');
    return (args) => score(args);
  },
};

/**
 * Runs a sub-command.
 * @param argv - arguments after `lucid`.
 * @returns the process exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`lucid: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest);
}
