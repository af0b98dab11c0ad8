/**
 * File operations that survive a power cut once they return: the data is fsynced before a
 * rename publishes it, and the directory is fsynced after, so the new name is on disk too.
 * Used for the store's small side files (the id floor), a new store's first image, backups
 * and files moved aside.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Rename `from` to `to` (same file system) and make both directory entries durable. */
export function renameDurably(from: string, to: string): void {
  renameSync(from, to);
  fsyncPath(dirname(to));
  if (dirname(from) !== dirname(to)) fsyncPath(dirname(from));
}

/** Replace `file` with `text` atomically: a reader sees the old content or the new, never a mix. */
export function writeFileDurably(file: string, text: string, mode = 0o640): void {
  const temp = `${file}.tmp`;
  const fd = openSync(temp, "w", mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameDurably(temp, file);
}
