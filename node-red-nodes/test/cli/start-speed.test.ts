import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_SPEED } from '../../src/cli/example-flows';
import { describeMode, HELP, resolveStackOptions } from '../../src/cli/start';

/**
 * The simulator's default speed is defined once (DEMO_SPEED); `--help`, the start banner, the
 * README's options table, its description of the run and its sample banner must all say it.
 */
describe('the simulator default speed', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

  it('is what lucid start runs when --speed is not given', () => {
    const options = resolveStackOptions([], {});
    expect(options !== 'help' && options.mode).toMatchObject({ kind: 'simulate', speed: DEMO_SPEED });
  });

  it('is the default --help gives', () => {
    const line = HELP.split('\n').find((l) => l.trimStart().startsWith('--speed'));
    expect(line).toContain(`simulator: simulated seconds per real second (default ${DEMO_SPEED})`);
  });

  it('is the speed the banner announces', () => {
    const options = resolveStackOptions([], {});
    if (options === 'help') throw new Error('expected options');
    expect(describeMode(options.mode)).toBe(`simulating a fleet (seed 42, ${DEMO_SPEED}× real time)`);
  });

  it("is the README's default, in its options table, its description and its sample banner", () => {
    const row = readme.split('\n').find((l) => l.startsWith('| `--speed X` |'));
    expect(row?.split('|')[3].trim()).toBe(`\`${DEMO_SPEED}\` (simulator), \`0\` (replay)`);
    expect(readme).toContain(`it runs ${DEMO_SPEED}× faster than real time`);
    expect(readme).toContain(`Lucid is running: simulating a fleet (seed 42, ${DEMO_SPEED}× real time).`);
    // No other simulator speed is claimed anywhere in the README.
    const claimed = [...readme.matchAll(/(\d+)× (?:real time|faster than real time)/g)].map((m) =>
      Number(m[1]),
    );
    expect(new Set(claimed)).toEqual(new Set([DEMO_SPEED]));
  });
});
