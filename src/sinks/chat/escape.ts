/**
 * Node-supplied strings (notes, notify messages) reach people's chat rooms, so
 * each service gets them as text, never as markup, links or mentions. Each
 * function takes plain text and returns text safe for that one service.
 */

// A zero-width space after "@" keeps "@everyone", "@channel", "@all" visible but inert.
const ZWSP = '\u200b';

/**
 * Slack: & < > are the control characters (links, <!channel>, <@U123> mentions
 * all start with "<"). Plain "@channel" only pings with link_names, which
 * nodegrid never sets; the @ is broken anyway, so a proxy that sets it cannot.
 */
export function escapeSlack(text: string): string {
  return escapeSlackControl(text).replace(/@/g, `@${ZWSP}`);
}

function escapeSlackControl(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Mattermost and Rocket.Chat take Slack's payload (they decode &lt; &gt; &amp;)
 * but render Markdown and ping on plain "@channel", "@all", "@here".
 */
export function escapeSlackCompatible(text: string): string {
  return escapeSlack(escapeMarkdown(text));
}

/**
 * Discord: Markdown, "<@id>" / "<#id>" / "<t:…>" tags and @everyone / @here.
 * allowed_mentions {parse: []} already stops pings; escaping also stops them
 * from rendering as mentions, links or formatting.
 */
export function escapeDiscord(text: string): string {
  return escapeMarkdown(text)
    .replace(/</g, '\\<')
    .replace(/@/g, `@${ZWSP}`);
}

/**
 * Adaptive Card TextBlock: a Markdown subset (bold, italic, lists, links) and
 * {{DATE()}} / {{TIME()}} functions. HTML is not rendered, so "<img>" stays text.
 */
export function escapeAdaptiveCard(text: string): string {
  // Teams mentions need <at> entities, which nodegrid never sends; the @ is broken anyway in case a client links it.
  return escapeMarkdown(text)
    .replace(/\{\{/g, `{${ZWSP}{`)
    .replace(/@/g, `@${ZWSP}`);
}

/** HipChat message_format "text": no HTML, but @mentions (@all, @here) and (emoticons) are parsed. */
export function escapeHipchatText(text: string): string {
  return text.replace(/@/g, `@${ZWSP}`);
}

/** Backslash-escapes CommonMark punctuation anywhere and list/heading/quote markers at line starts. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_~[\]()|!]/g, (char) => `\\${char}`)
    .replace(/^(\s*)([-+#>]|\d+[.)])/gm, (_all, space: string, marker: string) => `${space}\\${marker}`);
}
