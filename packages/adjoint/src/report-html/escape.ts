/** Text for HTML and SVG: the five characters that could end a text node or an attribute, escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A number rounded for SVG coordinates (short output, no exponent). */
export const px = (v: number): string => (Math.round(v * 10) / 10).toString();
