/**
 * Credentials in a remote URL ("https://user:token@host/grid.git") must not
 * reach git's argv: any user on the machine can read every process's command
 * line (`ps`, /proc/PID/cmdline) for as long as a fetch or push runs. So git
 * gets the URL without them, and the credentials travel in its environment
 * (/proc/PID/environ is readable only by the same user and root, who can read
 * the config file anyway), as configuration (git-config(1), GIT_CONFIG_COUNT):
 *
 *   http.<url>.extraHeader = Authorization: Basic base64(user:password)
 *
 * Why a header and not GIT_ASKPASS or a credential helper: the header is sent
 * with the first request, so there is no 401 round trip and no helper process
 * per fetch or push (delivery cost matters under contention, issue 15); there is
 * no helper program to ship or write to disk; and the credentials never enter
 * git's credential machinery, which would hand them to the user's own helpers
 * on success ("store" writes them to ~/.git-credentials). GitHub's
 * actions/checkout hands git its token the same way.
 *
 * The user's credential helpers are switched off for this URL: after a 401 git
 * would ask them, and on a second 401 tell them to erase what they hold for
 * the host. Without them git gives up with "could not read Username … terminal
 * prompts disabled", which plainAuthFailure() says plainly.
 *
 * A URL with a user and no password ("https://TOKEN@github.com/x.git") is sent
 * as Basic "TOKEN:" (empty password), which is what git itself sends for that
 * URL before it would ask for a password, and what GitHub accepts for a token.
 * GitLab wants the token as the password: "https://oauth2:TOKEN@gitlab.com/…".
 *
 * Only http(s) URLs carry credentials this way. ssh ("git@host:x",
 * "ssh://git@host/x") names a user, not a secret, and git://, file paths and
 * other schemes are handed to git unchanged. Needs git 2.31 or newer
 * (GIT_CONFIG_COUNT); older gits ignore the variables and the server answers 401.
 */
export interface RemoteAccess {
  /** What git gets on its command line: the URL without user or password. */
  readonly argvUrl: string;
  /** Variables for git's environment that carry the credentials; empty when there are none. */
  readonly env: Readonly<Record<string, string>>;
  /** The header's forms, for redaction (the URL's own forms come from urlCredentialSecrets). */
  readonly secrets: readonly string[];
}

const HTTP_URL = /^(https?:\/\/)([^/?#]*)(.*)$/is;

export function remoteAccess(url: string): RemoteAccess {
  const match = HTTP_URL.exec(url);
  // The last "@" ends the userinfo (as curl reads it), so nothing of a password holding an unencoded "@" is left in argv.
  const at = match ? match[2]!.lastIndexOf('@') : -1;
  if (!match || at < 0) return { argvUrl: url, env: {}, secrets: [] };
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const userinfo = authority.slice(0, at);
  const argvUrl = `${scheme}${authority.slice(at + 1)}${rest}`;
  if (userinfo === '') return { argvUrl, env: {}, secrets: [] };
  const colon = userinfo.indexOf(':');
  const user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = percentDecode(colon < 0 ? '' : userinfo.slice(colon + 1));
  const basic = Buffer.concat([user, Buffer.from(':'), password]).toString('base64');
  const header = `Authorization: Basic ${basic}`;
  const config: Array<[string, string]> = [
    [`credential.${argvUrl}.helper`, ''],
    [`http.${argvUrl}.extraHeader`, header],
  ];
  // The whole userinfo too: with an unencoded "@" in the password, the URL's other forms (cut at the first "@") miss part of it.
  return { argvUrl, env: gitConfigEnv(config), secrets: [header, basic, userinfo, password.toString('utf8')].filter((secret) => secret !== '') };
}

/** git-config(1): GIT_CONFIG_COUNT, GIT_CONFIG_KEY_<n>, GIT_CONFIG_VALUE_<n>. */
function gitConfigEnv(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], n) => {
    env[`GIT_CONFIG_KEY_${n}`] = key;
    env[`GIT_CONFIG_VALUE_${n}`] = value;
  });
  return env;
}

/** "%XX" to its byte, anything else as UTF-8, as git decodes a URL's user and password ("+" stays "+"). */
function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = text.codePointAt(i)!;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length - 1;
    }
  }
  return Buffer.from(bytes);
}

const PROMPT_REFUSED = /could not read (?:username|password) for '([^']*)': terminal prompts disabled/i;

/**
 * git's words when an http remote answered 401 and git had no one to ask (no
 * terminal, no helper), said as what they mean for nodegrid: the credentials
 * in the URL were refused, or it has none. Other lines are returned unchanged.
 */
export function plainAuthFailure(line: string): string {
  const match = PROMPT_REFUSED.exec(line);
  if (!match) return line;
  return `fatal: Authentication failed for '${match[1]}' (HTTP 401): the server refused the user and password in the remote URL, or the URL has none`;
}
