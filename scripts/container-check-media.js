#!/usr/bin/env node
/**
 * Used by scripts/container-check.sh: checks what the container recorded of the demo page, as the host's
 * specs check a host recording (spec/integration/http-recording.spec.ts): the page's four corner colours
 * edge to edge, a picture that moves, and the page's tone at its pitch and a real level. Needs the built
 * project (dist/). usage: node scripts/container-check-media.js <file.mp4> <durationSec>
 */
'use strict';
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const { colourNear, decodeAudio, framesDiffer, grabFrame, toneStats } = require(path.join(dist, 'testkit/media'));
const { DEFAULT_DEMO } = require(path.join(dist, 'lib/demo/page'));

(async () => {
  const [file, seconds] = [process.argv[2], Number(process.argv[3])];
  if (!file || !(seconds > 4)) throw new Error('usage: container-check-media.js <file.mp4> <durationSec above 4>');
  const problems = [];
  const frame = await grabFrame(file, seconds / 2);
  const inset = 3;
  const spots = [[inset, inset], [frame.width - 1 - inset, inset], [inset, frame.height - 1 - inset], [frame.width - 1 - inset, frame.height - 1 - inset]];
  spots.forEach(([x, y], i) => {
    const seen = frame.pixel(x, y);
    if (!colourNear(seen, DEFAULT_DEMO.corners[i])) problems.push(`corner ${i} is rgb(${seen.join(',')}), not ${DEFAULT_DEMO.corners[i]}`);
  });
  const moves = await framesDiffer(file, 1.5, seconds - 1.5);
  if (!moves) problems.push('the picture does not move');
  const tone = toneStats(await decodeAudio(file, { startSec: 1, durationSec: 2 }), 44100);
  if (Math.abs(tone.dominantHz - DEFAULT_DEMO.toneHz) >= 5) problems.push(`the tone is at ${tone.dominantHz.toFixed(0)} Hz, not ${DEFAULT_DEMO.toneHz} Hz`);
  if (!(tone.rmsDb > -20)) problems.push(`the tone is at ${tone.rmsDb.toFixed(1)} dBFS`);
  const line = `corners ${problems.some((p) => p.startsWith('corner')) ? 'WRONG' : 'right'}, picture ${moves ? 'moves' : 'still'}, tone ${tone.dominantHz.toFixed(0)} Hz at ${tone.rmsDb.toFixed(1)} dBFS`;
  if (problems.length) {
    console.log(`${line}: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(line);
})().catch((err) => {
  console.log(`media check failed: ${err.message}`);
  process.exit(1);
});
