import { describe, expect, it } from 'vitest';
import { NodegridError } from '../../src/core/errors';
import { formatSelector, matchesSelector, parseLabelSelector } from '../../src/core/label-selector';
import { parseLabelLines } from '../../src/core/labels';

const select = (labels: Record<string, string>, ...texts: string[]): boolean => matchesSelector(labels, parseLabelSelector(texts)!);

describe('label selectors, as kubectl -l reads them', () => {
  it('matches =, ==, !=, existence and absence, every requirement and every -l together', () => {
    const prod = { env: 'prod', tier: 'db', 'acme.io/owner': 'dba' };
    expect(select(prod, 'env=prod')).toBe(true);
    expect(select(prod, 'env==prod,tier')).toBe(true);
    expect(select(prod, 'env!=prod')).toBe(false);
    expect(select({}, 'env!=prod')).toBe(true);
    expect(select(prod, '!legacy', 'acme.io/owner=dba')).toBe(true);
    expect(select(prod, 'env=prod', '!tier')).toBe(false);
    expect(select({ empty: '' }, 'empty=')).toBe(true);
    expect(formatSelector(parseLabelSelector(['env=prod, !legacy', 'tier!=db'])!)).toBe('env=prod,!legacy,tier!=db');
  });

  it('refuses what is not a selector with exit 2, naming the part', () => {
    for (const [text, part] of [['', 'empty'], ['a=b,,c', 'empty requirement'], ['env in (a,b)', 'set-based'], ['bad key=1', '"bad key"'], ['env=a b', '"a b"'], ['-env', '"-env"'], ['Example.com/x=1', 'prefix']] as const) {
      let error: unknown;
      try {
        parseLabelSelector([text]);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(NodegridError);
      expect((error as NodegridError).exitCode).toBe(2);
      expect((error as NodegridError).message).toContain(part);
    }
  });
});

describe('labels.txt lines', () => {
  it('reads key=value lines, skips blanks and comments, and names every bad line', () => {
    const { labels, problems } = parseLabelLines('# comment\nenv = prod\n\nempty=\nnovalue\nbad key=1\nenv=again\nx=' + 'v'.repeat(64) + '\n');
    expect(labels).toEqual({ env: 'prod', empty: '' });
    expect(problems.map((p) => p.line)).toEqual([5, 6, 7, 8]);
    expect(problems[2]!.problem).toContain('already set on line 2');
  });
});
