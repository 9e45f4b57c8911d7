import { describe, expect, it } from 'vitest';
import type { ChatDestinationConfig } from '../../../src/config/schema';
import type { ChatType } from '../../../src/config/sections/chat';
import { adapterFor } from '../../../src/sinks/chat/adapters';
import { escapeAdaptiveCard, escapeDiscord, escapeHipchatText, escapeMarkdown, escapeSlack, escapeSlackCompatible } from '../../../src/sinks/chat/escape';
import { eventMessage } from '../../../src/sinks/chat/message';
import { HOSTILE, stateEvent } from './events';
import { visibleText } from './schemas';

const ZWSP = '\u200b';

describe('escaping node strings for each service', () => {
  it('slack: & < > become entities, so <!channel> and <http://x|y> are text', () => {
    expect(escapeSlack('a & b <!channel> <http://evil|click>')).toBe('a &amp; b &lt;!channel&gt; &lt;http://evil|click&gt;');
  });

  it('mattermost / rocket.chat: also Markdown and plain @channel / @all mentions', () => {
    const out = escapeSlackCompatible(HOSTILE);
    expect(out).not.toMatch(/<|>/);
    expect(out).not.toMatch(/@(everyone|all|channel)/);
    expect(out).toContain(`@${ZWSP}everyone`);
    expect(out).toContain('\\[click\\]\\(http://evil.EXAMPLE\\)');
    expect(out).toContain('\\*\\*bold\\*\\*');
  });

  it('discord: @everyone / @here stay inert, <@id> and Markdown links do not render', () => {
    const out = escapeDiscord('@everyone @here <@123456> <#42> [x](http://evil.EXAMPLE) __u__ `code` ||spoiler||\n# heading\n> quote');
    expect(out).not.toMatch(/@(everyone|here)/);
    expect(out).toContain('\\<@');
    expect(out).toContain('\\[x\\]\\(http://evil.EXAMPLE\\)');
    expect(out).toContain('\\_\\_u\\_\\_');
    expect(out).toContain('\\`code\\`');
    expect(out).toContain('\\|\\|spoiler\\|\\|');
    expect(out).toContain('\n\\# heading\n\\> quote');
  });

  it('adaptive card: Markdown and {{DATE()}} functions are neutralised; HTML is never rendered so it stays as typed', () => {
    const out = escapeAdaptiveCard(HOSTILE);
    expect(out).toContain('<img src=x onerror=alert(1)>'.replace(/[()]/g, (c) => `\\${c}`));
    expect(out).toContain('\\[click\\]');
    expect(out).not.toContain('{{');
    expect(escapeAdaptiveCard('- item\n1. first')).toBe('\\- item\n\\1. first');
  });

  it('hipchat text: @all / @here do not notify the room', () => {
    expect(escapeHipchatText('@all @here deploy')).toBe(`@${ZWSP}all @${ZWSP}here deploy`);
  });

  it('escapeMarkdown leaves ordinary words alone', () => {
    expect(escapeMarkdown('i-5e7ab38a:fed1/app1: setup -> initdone')).toBe('i-5e7ab38a:fed1/app1: setup -> initdone');
  });

  // The same hostile note through every adapter: what each service would treat as markup arrives escaped.
  const expectations: Record<Exclude<ChatType, 'webhook'>, { contains: string[]; absent: RegExp[] }> = {
    slack: { contains: ['&lt;!channel&gt;', '&lt;img src=x onerror=alert(1)&gt;', `@${ZWSP}everyone`], absent: [/</, /@(everyone|all)/] },
    mattermost: { contains: ['&lt;\\!channel&gt;', `@${ZWSP}everyone`, '\\[click\\]'], absent: [/</, /@(everyone|all)/, /\]\(/] },
    rocketchat: { contains: ['&lt;\\!channel&gt;', `@${ZWSP}all`], absent: [/</, /@(everyone|all)/, /\]\(/] },
    discord: { contains: ['\\<\\!channel>', '\\<img', `@${ZWSP}everyone`], absent: [/[^\\]</, /@(everyone|all)/, /[^\\]\]\(/] },
    teams: { contains: ['<img src=x onerror=alert\\(1\\)>', `{${ZWSP}{DATE`], absent: [/@(everyone|all)/, /\{\{/, /[^\\]\]\(/, /[^\\]\*\*/] },
    hipchat: { contains: [`@${ZWSP}everyone`, `@${ZWSP}all`], absent: [/@(everyone|all)/] },
  };
  for (const [type, expected] of Object.entries(expectations) as Array<[Exclude<ChatType, 'webhook'>, (typeof expectations)['slack']]>) {
    it(`${type}: a hostile note reaches the payload only in escaped form`, () => {
      const destination = { name: 'x', type, url: 'http://127.0.0.1:9/x/EXAMPLE', minSeverity: 'chatty', via: 'node', timeoutSeconds: 10, room: 'r', token: 'tokenEXAMPLE' } as ChatDestinationConfig;
      const body = adapterFor(type).format(eventMessage(stateEvent('setup', 'initdone', { note: HOSTILE })), destination, new Date()).body;
      const text = visibleText(type, body);
      for (const piece of expected.contains) expect(text).toContain(piece);
      for (const pattern of expected.absent) expect(text).not.toMatch(pattern);
    });
  }
});
