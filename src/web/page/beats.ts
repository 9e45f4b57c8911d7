import type { BeatsResponse } from '../api';
import { clear, el } from './dom';

/** The node panel's strip: one cell a minute, oldest left, filled where the node beat. */
export function renderBeats(strip: HTMLElement, caption: HTMLElement, answer: BeatsResponse): void {
  clear(strip);
  const beaten = new Set(answer.beats);
  const until = Date.parse(answer.until);
  for (let i = answer.minutes - 1; i >= 0; i--) {
    const start = new Date(until - i * 60_000).toISOString();
    const beat = beaten.has(start);
    strip.appendChild(el('span', { className: beat ? 'cell beat' : 'cell', title: `${start.slice(11, 16)} UTC: ${beat ? 'beat' : 'no beat'}` }));
  }
  strip.setAttribute('aria-label', `beat in ${answer.beats.length} of the last ${answer.minutes} minutes`);
  caption.textContent = `${answer.beats.length} of the last ${answer.minutes} minutes, up to ${answer.until.slice(11, 16)} UTC`;
}
