/** Thumbnails: the newest picture, the interval's bounds. */
import { intervalProblem, latestThumbnail } from '../../../../lib/output/thumbnails/thumbnails';

describe('thumbnails', () => {
  it('finds the newest picture by its number', () => {
    expect(latestThumbnail(['thumb-000002.jpg', 'thumb-000010.jpg', 'thumb-000009.jpg', 'thumb-000011.jpg.tmp', 'x.jpg'])).toBe('thumb-000010.jpg');
    expect(latestThumbnail([])).toBeUndefined();
  });

  it('takes a whole number of seconds from 1 to 3600', () => {
    expect(intervalProblem(10)).toBeUndefined();
    for (const bad of [0, 1.5, -3, 3601, '10', null]) expect(intervalProblem(bad)).toBeDefined();
  });
});
