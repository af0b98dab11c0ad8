/**
 * Is this path a serial port at all? Asked before opening it, because the serial library
 * reports the wrong thing otherwise: /dev/null fails its baud-rate ioctl ("setting custom
 * baud rate of 115200"), which sends people chasing --baud for a path that can never be a
 * modem. A serial port is a character device that is a terminal (a USB modem's ttyUSB or
 * ttyACM, a pseudo-terminal of the simulator).
 */
import { closeSync, constants, openSync, statSync } from "node:fs";
import { isatty } from "node:tty";

const WHERE = "give a modem's tty, e.g. /dev/ttyUSB2 or /dev/serial/by-id/… ('simgate scan' lists them)";

/** Why `path` is not a serial port (one line with the remedy), or undefined when it looks like one. */
export function notASerialPort(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return `${path} does not exist: is the modem plugged in? ('simgate scan' lists the serial ports it finds)`;
    return undefined; // EACCES and the like: the open itself says it best
  }
  if (st.isDirectory()) return `${path} is a directory, not a serial port: ${WHERE}`;
  if (st.isFile()) return `${path} is a regular file, not a serial port: ${WHERE}`;
  if (!st.isCharacterDevice()) return `${path} is not a character device, so not a serial port: ${WHERE}`;
  // Non-blocking: a modem line without carrier must not hold the open.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch {
    return undefined; // busy, no permission: the real open reports it with the remedy
  }
  try {
    return isatty(fd) ? undefined : `${path} is a character device but not a serial port (not a tty): ${WHERE}`;
  } finally {
    closeSync(fd);
  }
}
