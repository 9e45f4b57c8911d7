/**
 * The only way the page makes elements: text goes in through textContent and
 * attributes through setAttribute, never through markup, so a node whose
 * deployment is "<img src=x onerror=…>" shows exactly those characters.
 */
export interface Props {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: readonly Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.appendChild(child);
  return node;
}

// The caller names the element type it expects of its own page; the one use of T is the point.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Sets the options of a select, keeping the current choice when it still exists. */
export function setOptions(select: HTMLSelectElement, anyLabel: string, values: readonly string[]): void {
  const chosen = select.value;
  clear(select);
  select.appendChild(el('option', { text: anyLabel, attrs: { value: '' } }));
  for (const value of values) select.appendChild(el('option', { text: value, attrs: { value } }));
  select.value = values.includes(chosen) ? chosen : '';
}
