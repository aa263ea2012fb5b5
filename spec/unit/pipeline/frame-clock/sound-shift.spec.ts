import { fineDelayCommand, shiftMs, SHIFT_STEPS, soundShiftGraph, START_STEP, stepCommands, STEP_MS } from '../../../../lib/pipeline/frame-clock/sound-shift';

describe('the graph and commands that move the sound', () => {
  const graph = soundShiftGraph('1:a', 'aresample=async=1000', 'sound');

  it('resamples, delays finely, then mixes a ladder of copies a frame apart, one of them heard', () => {
    const chains = graph.split(';');
    expect(chains[0]).toBe(`[1:a]aresample=async=1000,adelay@fine=delays=0.00|0.00,asplit=${SHIFT_STEPS}${Array.from({ length: SHIFT_STEPS }, (_, i) => `[shift${i}]`).join('')}`);
    expect(chains[1]).toBe('[shift0]volume@step0=volume=0:eval=frame[step0]');
    expect(chains[1 + START_STEP]).toBe(`[shift${START_STEP}]adelay=delays=33.33|33.33,volume@step${START_STEP}=volume=1:eval=frame[step${START_STEP}]`);
    expect(chains.at(-1)).toBe(`${Array.from({ length: SHIFT_STEPS }, (_, i) => `[step${i}]`).join('')}amix=inputs=${SHIFT_STEPS}:normalize=0[sound]`);
  });

  it('speaks ffmpeg\'s interactive commands: the fine delay at once, a step queued with a crossfade', () => {
    expect(fineDelayCommand(12.345)).toBe('cadelay@fine -1 delays 12.35|12.35\n');
    expect(stepCommands(2, 3, 12.3456)).toBe('Cvolume@step2 12.346 volume clip(1-(t-12.346)/0.06,0,1)\nCvolume@step3 12.346 volume clip((t-12.346)/0.06,0,1)\n');
    expect(shiftMs(5, 2)).toBeCloseTo(5 + 2 * STEP_MS, 9);
  });
});
