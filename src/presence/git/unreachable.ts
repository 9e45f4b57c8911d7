import { NodegridError } from '../../core/errors';
import { formatTimeout } from '../../core/time';
import { lastWords } from '../../git/run';

/**
 * A presence remote that readers (nodes --remote, find, at, history, presence
 * show, serve) could not read: one exit code (E_UNREACHABLE, 69) for refused,
 * hung, unknown host and authentication failed, never "unexpected failure",
 * and always the URL (credentials hidden) with git's own reason.
 */
export function remoteUnreachable(shownUrl: string, reason: string): NodegridError {
  return new NodegridError('E_UNREACHABLE', `cannot read presence from ${shownUrl}: ${reason}`, {
    hint: "check the URL, this machine's credentials for it, and the network",
  });
}

/** Accepted the connection (or never completed it) and did not answer within the reader's budget. */
export function remoteTimedOut(shownUrl: string, timeoutMs: number, stderr: string, knob = 'presence.gitTimeoutSeconds sets'): NodegridError {
  const said = lastWords(stderr);
  return new NodegridError('E_UNREACHABLE', `cannot read presence from ${shownUrl}: no answer within ${formatTimeout(timeoutMs)} (git fetch stopped)${said ? `; git said: ${said}` : ''}`, {
    hint: `check the remote and the network; ${knob} how long a fetch may take`,
  });
}
