// What the Temporal UI shows of a request (its summary and current details), which it renders as
// Markdown: every piece of people's text is escaped, so a title is shown, never interpreted.
import type { Priority } from '../domain';

/** One line of plain text: control characters become spaces, every Markdown and HTML character is backslash-escaped. */
export function escapeMarkdown(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const line = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return cut.replace(/[\\`*_{}[\]()#+\-.!|<>&~"':=/@$%^;?,]/g, (c) => `\\${c}`);
}

/** `ACME-42 · high · Title`: the key leads, as the desk names requests (those filed before keys have none). */
export function requestSummary(priority: Priority, title: string, linkedFrom?: string, key?: string): string {
  return `${key ? `${escapeMarkdown(key, 20)} · ` : ''}${priority} · ${escapeMarkdown(title, 160)}${linkedFrom ? ` (linked to ${linkedFrom})` : ''}`;
}
