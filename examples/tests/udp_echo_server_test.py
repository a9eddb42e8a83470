#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# toa-udp-echo-server on loopback: SPP and PROXY v2 datagrams from a trusted sender
# (127.0.0.1), the same from an untrusted one (127.0.0.2: a source only, the target is
# always 127.0.0.1), a truncated header, a plain datagram.
# Usage: udp_echo_server_test.py SERVER
import re, socket, struct, subprocess, sys, time

server = sys.argv[1]
p = subprocess.Popen([server, "--count", "6", "--trusted-proxy", "127.0.0.1/32", "127.0.0.1:0"],
                     stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
if not m:
    print("FAIL: listening line %r" % line)
    sys.exit(1)
port = int(m.group(1))


def send(source, data, answer=True):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5 if not answer else 5)
    s.bind((source, 0))
    s.sendto(data, ("127.0.0.1", port))
    try:
        got = s.recv(65536)
    except socket.timeout:
        got = None
    s.close()
    return got


spp = (b"\x56\xec" + bytes(10) + b"\xff\xff" + bytes([203, 0, 113, 7]) + b"\x20\x01\x0d\xb8" +
       bytes(11) + b"\x01" + struct.pack(">HH", 40000, 53))
v2 = (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x12]) + struct.pack(">H", 12) +
      bytes([198, 51, 100, 8, 192, 0, 2, 1]) + struct.pack(">HH", 40001, 53))
want = []
r = send("127.0.0.1", spp + b"ping")
want.append((r == spp + b"ping", r"datagram client=203\.0\.113\.7:40000 via=SPP lb=127\.0\.0\.1:\d+ payload=4"))
r = send("127.0.0.1", v2 + b"ping!")
want.append((r == v2 + b"ping!", r"datagram client=198\.51\.100\.8:40001 via=PROXY\(v2\) lb=127\.0\.0\.1:\d+ payload=5"))
r = send("127.0.0.2", spp + b"ping", answer=False)
want.append((r is None, r"datagram client=- via=error\(header from a source not allowed to send it\) lb=127\.0\.0\.2:\d+ payload=-"))
r = send("127.0.0.1", spp[:20], answer=False)
want.append((r is None, r"datagram client=- via=error\(header incomplete \(more bytes needed\)\) lb=127\.0\.0\.1:\d+ payload=-"))
r = send("127.0.0.2", b"plain")
want.append((r == b"plain", r"datagram client=127\.0\.0\.2:\d+ via=peer lb=127\.0\.0\.2:\d+ payload=5"))
r = send("127.0.0.1", b"plain")
want.append((r == b"plain", r"datagram client=127\.0\.0\.1:\d+ via=peer lb=127\.0\.0\.1:\d+ payload=5"))
out, _ = p.communicate(timeout=10)
lines = out.splitlines()
ok = p.returncode == 0 and len(lines) == len(want)
for i, (answered, regex) in enumerate(want):
    if not answered or i >= len(lines) or not re.fullmatch(regex, lines[i]):
        ok = False
        print("FAIL: datagram %d (answer ok: %s): %r !~ %s" % (i, answered, lines[i:i + 1], regex))
if not ok:
    print(out)
    sys.exit(1)
print("PASS (%d datagrams)" % len(want))
