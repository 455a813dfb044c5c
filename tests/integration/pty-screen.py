#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run a command with its stderr on a real pty of a given size, and replay
what it wrote on a small terminal model, to check a live table.

Usage: pty-screen.py ROWS COLS OUT_JSON -- COMMAND...

The command's stdout goes to OUT_JSON.stdout, its stdin is /dev/null.  The
model knows exactly what the fleet table may write: printable text (with
autowrap at COLS), CR, LF (the pty's ONLCR turns \\n into \\r\\n), and the
ECMA-48 sequences ESC [ n F (cursor to the start of the line n above),
ESC [ K (erase to the end of the line) and ESC [ J (erase below).  Any
other escape sequence, or a cursor move above the visible screen, is
recorded as an error.  OUT_JSON gets:

  rc          the command's exit status
  document    the lines as they stand at the end (scrollback included)
  frames      every live-table frame: the lines from the table header to
              the "N hosts: ..." summary, as the screen showed them right
              after the summary was written
  errors      escape sequences the model does not know, bad cursor moves
  wraps       live-table lines that wrapped at COLS
  raw_bytes   how much the command wrote
"""
import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios

HEADER = re.compile(r"^HOST +STATE +STAGE")
SUMMARY = re.compile(r"^\d+ hosts(?: \(\d+ shown\))?: \d+ done, \d+ running, ")
# a line of the live table (header, host row, summary): only these must
# never wrap; warnings and the final table may
TABLE_LINE = re.compile(r"^HOST +STATE|^\d+ hosts(?: \(\d+ shown\))?: \d+ done, |"
                        r"^\S+ +(connect|mark-sel|send-nmi|wait-panic|wait-dump|power-off|verify-off|power-on|"
                        r"verify-on|done|failed) ")


class Screen:
    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.lines = [[]]
        self.row = self.col = 0
        self.errors, self.frames, self.wraps = [], [], []

    def _line(self):
        while len(self.lines) <= self.row:
            self.lines.append([])
        return self.lines[self.row]

    def text(self, r):
        return "".join(self.lines[r]).rstrip() if r < len(self.lines) else ""

    def put(self, ch):
        if self.col >= self.cols:
            # autowrap: a table line must never get here
            if TABLE_LINE.match(self.text(self.row)):
                self.wraps.append(self.text(self.row))
            self.row += 1
            self.col = 0
        line = self._line()
        while len(line) < self.col:
            line.append(" ")
        if self.col < len(line):
            line[self.col] = ch
        else:
            line.append(ch)
        self.col += 1

    def newline(self):
        done = self.text(self.row)
        self.row += 1
        self._line()
        if SUMMARY.match(done):
            self.snapshot(self.row - 1)

    def snapshot(self, summary_row):
        r = summary_row
        while r >= 0 and not HEADER.match(self.text(r)):
            r -= 1
        if r < 0:
            self.errors.append("a summary line without a table header above it")
            return
        self.frames.append([self.text(k) for k in range(r, summary_row + 1)])

    def top(self):
        # the first line still on the visible screen
        return max(0, len(self.lines) - self.rows)

    def csi(self, params, final):
        n = int(params) if params else 1
        if final == "F":
            if self.row - n < self.top():
                self.errors.append(f"ESC[{params}F moves above the visible screen")
            self.row = max(0, self.row - n)
            self.col = 0
        elif final == "K" and params in ("", "0"):
            line = self._line()
            del line[self.col:]
        elif final == "J" and params in ("", "0"):
            line = self._line()
            del line[self.col:]
            del self.lines[self.row + 1:]
        else:
            self.errors.append(f"unexpected sequence ESC[{params}{final}")

    def feed(self, data):
        i = 0
        while i < len(data):
            ch = data[i]
            if ch == "\x1b":
                m = re.match(r"\x1b\[([0-9;]*)([@-~])", data[i:])
                if not m:
                    self.errors.append(f"unexpected escape {data[i:i + 8]!r}")
                    i += 1
                    continue
                self.csi(m.group(1), m.group(2))
                i += m.end()
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.newline()
            elif ch == "\t" or ch >= " ":
                self.put(ch)
            else:
                self.errors.append(f"control character {ch!r}")
            i += 1


def main():
    rows, cols, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    with open(out + ".stdout", "wb") as so, open(os.devnull, "rb") as si:
        p = subprocess.Popen(cmd, stdin=si, stdout=so, stderr=slave)
    os.close(slave)
    raw = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:         # EIO: the last writer closed the pty
            break
        if not chunk:
            break
        raw += chunk
    rc = p.wait()
    os.close(master)
    with open(out + ".raw", "wb") as f:
        f.write(raw)
    s = Screen(rows, cols)
    s.feed(raw.decode("utf-8", "replace"))
    json.dump({"rc": rc, "document": [s.text(r) for r in range(len(s.lines))], "frames": s.frames,
               "errors": s.errors, "wraps": s.wraps, "raw_bytes": len(raw)}, open(out, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
