/** HOST:PORT: listeners in the config and on the command line, the admin API address. */

/** A host (bracketed IPv6 or a name/IPv4 without colons), a colon and up to 5 port digits. */
export const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/;

/** Host and port (0..65535, 0 = any free port; brackets of an IPv6 host removed), or undefined. */
export function parseHostPort(raw: string): { host: string; port: number } | undefined {
  const i = raw.lastIndexOf(":");
  const host = (i < 0 ? raw : raw.slice(0, i)).replace(/^\[(.*)\]$/, "$1");
  const port = i < 0 ? NaN : Number(raw.slice(i + 1));
  return host && Number.isInteger(port) && port >= 0 && port <= 65535 ? { host, port } : undefined;
}
