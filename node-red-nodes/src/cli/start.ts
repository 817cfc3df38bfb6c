/** `lucid start`: placeholder until the embedded stack lands. */
export async function start(_args: string[]): Promise<number> {
  process.stderr.write('lucid start: not implemented yet\n');
  return 1;
}
