/** /etc/passwd and /etc/group as the installer needs them (read under the target root). */
import { readFileSync } from "node:fs";
import { TARGET, under } from "./paths.js";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

function lines(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

export function findUser(root: string, name: string): Account | undefined {
  const f = lines(under(root, TARGET.passwd)).find((p) => p[0] === name);
  return f ? { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "", shell: f[6] ?? "" } : undefined;
}

export function findGroup(root: string, name: string): Group | undefined {
  const f = lines(under(root, TARGET.group)).find((g) => g[0] === name);
  return f ? { name, gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) } : undefined;
}

/** The user is in the group, as primary group or supplementary member. */
export function inGroup(root: string, user: Account, group: string): boolean {
  const g = findGroup(root, group);
  return g !== undefined && (g.gid === user.gid || g.members.includes(user.name));
}

/** Valid for useradd and systemd-sysusers (a conservative subset). */
export function validUserName(name: string): boolean {
  return /^[a-z_][a-z0-9_-]{0,30}$/.test(name);
}
