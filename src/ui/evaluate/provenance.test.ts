import { describe, expect, it } from 'vitest';
import { makeSummaryFixture } from '../../core/eval/summary.fixture';
import { conditionName, naturalFrequency, operatingPointSentence, shownSet } from './provenance';

describe('evaluation wording', () => {
  it('names the condition of a screening task in running text', () => {
    expect(conditionName('Referable DR (grade 2 or worse)')).toBe('referable DR');
    expect(conditionName('Any DR (grade 1 or worse)')).toBe('any DR');
    expect(conditionName('AMD')).toBe('AMD');
  });

  it('says proportions as natural frequencies, in hundreds where tenths would say all or none', () => {
    expect(naturalFrequency(133 / 149)).toBe('9 in 10'); // 0.893
    expect(naturalFrequency(0.97)).toBe('97 in 100');
    expect(naturalFrequency(0.03)).toBe('3 in 100');
  });

  it('reads the operating point of the fixture test set as a sentence about eyes', () => {
    const referable = makeSummaryFixture().test!.binary[0];
    // Sensitivity 133 / 149 = 0.893 -> 9 in 10; specificity 191 / 217 = 0.880 -> 88%.
    expect(operatingPointSentence(referable)).toBe(
      'At this threshold, 9 in 10 eyes with referable DR are referred; 88% of eyes without referable DR are not.');
  });

  it('shows the validation set when there is no test set', () => {
    expect(shownSet(makeSummaryFixture({ withTest: false }), 'test').set).toBe('validation');
    expect(shownSet(makeSummaryFixture(), 'test').set).toBe('test');
  });
});
