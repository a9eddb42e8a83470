#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# toa-echo-server behind real peers on loopback: Debian's HAProxy with send-proxy and
# send-proxy-v2 (CRC32C and unique-id TLVs), nginx adding X-Forwarded-For / X-Real-IP;
# and attackers: a direct client with its own PROXY header or X-Forwarded-For from an
# untrusted source (127.0.0.2, a source only: every target is 127.0.0.1 or ::1), a forged
# PROXY header and a forged X-Forwarded-For prefix behind the trusted proxy, a second header.
# Usage: carriers_test.py ECHO_SERVER HAPROXY NGINX
import os, re, socket, subprocess, sys, tempfile, time

server_bin, haproxy_bin, nginx_bin = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="toa-carriers.")
procs = []
checks = 0


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    for name, p, out in procs:
        p.kill()
        p.wait()
        print("--- %s:" % name, file=sys.stderr)
        print(open(out).read(), file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(name, argv, ready=None):
    out = os.path.join(tmp, name + ".log")
    p = subprocess.Popen(argv, stdout=open(out, "w"), stderr=subprocess.STDOUT)
    procs.append((name, p, out))
    if not ready:
        return out  # the caller waits for its port
    for _ in range(100):
        if ready and ready(out):
            return out
        if p.poll() is not None:
            fail("%s exited early" % name)
        time.sleep(0.05)
    fail("%s not ready" % name)


def wait_port(host, port, family=socket.AF_INET):
    for _ in range(100):
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail("nothing listens on %s port %d" % (host, port))


def echo_server(*args):
    name = "echo%d" % len(procs)
    out = start(name, [server_bin] + list(args) + ["127.0.0.1:0"],
                lambda o: "listening on" in open(o).read())
    port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", open(out).read()).group(1))
    return out, port


def connect(host, port, source=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam)
    s.settimeout(10)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s, s.getsockname()[1]


def talk(host, port, data, source=None):
    """Sends data, returns (what came back until EOF or the echo, client port)."""
    s, cport = connect(host, port, source)
    s.sendall(data)
    got = b""
    try:
        while len(got) < len(data) or data.startswith(b"GET"):
            b = s.recv(4096)
            if not b:
                break
            got += b
    except (socket.timeout, ConnectionResetError):
        pass  # a refused connection may be reset: the server closed it unread
    s.close()
    return got, cport


def wait_line(out, regex, what, after=0):
    """The first line of out (from line index after) that matches regex, and the line after it."""
    for _ in range(200):
        ls = open(out).read().splitlines()
        for i in range(after, len(ls)):
            if re.fullmatch(regex, ls[i]):
                return ls[i], (ls[i + 1] if i + 1 < len(ls) else ""), i + 1
        time.sleep(0.05)
    fail("%s: no line matching %s in %s" % (what, regex, out))


def nlines(out):
    return len(open(out).read().splitlines())


# ---------------------------------------------------------------- arguments
for bad in (["--trusted-proxy", "1.2.3.4/33", "0"], ["--trusted-proxy", "host", "0"],
            ["--trusted-proxy"], ["--proxy-protocol"]):
    r = subprocess.run([server_bin] + bad, capture_output=True)
    check(r.returncode == 2, "bad arguments %r: exit status %d" % (bad, r.returncode))
r = subprocess.run([server_bin, "--help"], capture_output=True, text=True)
check(all(f in r.stderr for f in ("--proxy-protocol", "--http-headers", "--trusted-proxy CIDR")),
      "usage text: " + r.stderr)

# ---------------------------------------------------------------- HAProxy, PROXY v1/v2
echo_out, echo_port = echo_server("--proxy-protocol", "--trusted-proxy", "127.0.0.1/32")
p1, p2 = free_port(), free_port()
cfg = os.path.join(tmp, "haproxy.cfg")
open(cfg, "w").write("""
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend v1
    bind 127.0.0.1:%(p1)d
    bind [::1]:%(p1)d
    default_backend v1
backend v1
    server echo 127.0.0.1:%(e)d send-proxy
frontend v2
    bind 127.0.0.1:%(p2)d
    bind [::1]:%(p2)d
    unique-id-format %%ci:%%cp
    default_backend v2
backend v2
    server echo 127.0.0.1:%(e)d send-proxy-v2 proxy-v2-options crc32c,unique-id
""" % {"p1": p1, "p2": p2, "e": echo_port})
start("haproxy", [haproxy_bin, "-db", "-f", cfg])
wait_port("127.0.0.1", p2)

print("== HAProxy send-proxy (v1), client over IPv6")
got, cport = talk("::1", p1, b"hello v1\n")
check(got == b"hello v1\n", "echo through HAProxy v1: %r" % got)
wait_line(echo_out, r"accepted client=\[::1\]:%d via=PROXY\(v1\) lb=127\.0\.0\.1:\d+ local=127\.0\.0\.1:%d"
          % (cport, echo_port), "v1")
checks += 1

print("== HAProxy send-proxy-v2 with CRC32C and unique-id TLVs, IPv6 and IPv4 clients")
for host in ("::1", "127.0.0.1"):
    got, cport = talk(host, p2, b"hello v2\n")
    check(got == b"hello v2\n", "echo through HAProxy v2: %r" % got)
    want = "\\[::1\\]" if host == "::1" else "127\\.0\\.0\\.1"
    acc, tl, _ = wait_line(echo_out, r"accepted client=%s:%d via=PROXY\(v2\) lb=127\.0\.0\.1:\d+ "
                           r"local=127\.0\.0\.1:%d" % (want, cport, echo_port), "v2 " + host)
    check(re.fullmatch(r"proxy-tlvs crc32c=ok types=\S*0x05\S* unique-id=%s:%d" % (re.escape(host), cport), tl),
          "v2 TLV line: " + tl)

print("== a forged PROXY header behind HAProxy is only data")
fake = b"PROXY TCP4 203.0.113.66 192.0.2.1 1234 80\r\n"
got, cport = talk("::1", p2, fake)
check(got == fake, "the forged header comes back as data: %r" % got)
wait_line(echo_out, r"accepted client=\[::1\]:%d via=PROXY\(v2\) .*" % cport, "forged behind HAProxy")

print("== attackers from an untrusted source (127.0.0.2): own PROXY header, none")
mark = nlines(echo_out)
got, _ = talk("127.0.0.1", echo_port, fake, source="127.0.0.2")
check(got == b"", "an untrusted PROXY header must close the connection: %r" % got)
wait_line(echo_out, r"accepted client=- via=error\(header from a source not allowed to send it\) "
          r"lb=- local=127\.0\.0\.1:%d" % echo_port, "untrusted header", mark)
check("203.0.113.66" not in open(echo_out).read(), "the forged address was printed")
mark = nlines(echo_out)
got, _ = talk("127.0.0.1", echo_port, b"hello\n", source="127.0.0.2")
check(got == b"", "untrusted without header must be closed: %r" % got)
wait_line(echo_out, r"accepted client=- via=error\(PROXY header required; source not trusted\) .*",
          "untrusted without header", mark)

print("== without --trusted-proxy, HAProxy's own header is refused")
procs[-1][1].kill()
procs[-1][1].wait()
procs.pop()
echo2_out, echo2_port = echo_server("--proxy-protocol")
text = open(cfg).read().replace(":%d send-proxy" % echo_port, ":%d send-proxy" % echo2_port)
open(cfg, "w").write(text)
start("haproxy2", [haproxy_bin, "-db", "-f", cfg])
wait_port("127.0.0.1", p1)
got, _ = talk("::1", p1, b"hello\n")
check(got == b"", "no trusted proxy: the connection must be closed: %r" % got)
wait_line(echo2_out, r"accepted client=- via=error\(header from a source not allowed to send it\) .*",
          "no trusted proxy")
check("via=PROXY" not in open(echo2_out).read(), "a header was used without --trusted-proxy")

# ---------------------------------------------------------------- nginx, HTTP headers
print("== nginx adding X-Forwarded-For / X-Real-IP")
http_out, http_port = echo_server("--http-headers", "--trusted-proxy", "127.0.0.1")
np = free_port(socket.AF_INET6, "::1")
ncfg = os.path.join(tmp, "nginx.conf")
open(ncfg, "w").write("""
master_process off;
daemon off;
pid %(t)s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(t)s/body; proxy_temp_path %(t)s/proxy;
    fastcgi_temp_path %(t)s/fcgi; uwsgi_temp_path %(t)s/uwsgi; scgi_temp_path %(t)s/scgi;
    server {
        listen [::1]:%(np)d;
        location /xff {
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_pass http://127.0.0.1:%(e)d;
        }
        location /xri {
            proxy_set_header X-Forwarded-For "";
            proxy_set_header X-Real-IP $remote_addr;
            proxy_pass http://127.0.0.1:%(e)d;
        }
    }
}
""" % {"t": tmp, "np": np, "e": http_port})
start("nginx", [nginx_bin, "-e", "stderr", "-p", tmp, "-c", ncfg])
wait_port("::1", np, socket.AF_INET6)


def get(path, extra=b"", host="::1", port=np, source=None):
    req = b"GET " + path + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + extra + b"\r\n"
    return talk(host, port, req, source)[0]


cases = [
    (b"/xff", b"", "header(X-Forwarded-For)"),
    (b"/xff", b"X-Forwarded-For: 198.51.100.9\r\n", "header(X-Forwarded-For)"),  # forged prefix
    (b"/xff", b"X-Forwarded-For: 198.51.100.9\r\nX-Forwarded-For: 198.51.100.10\r\n",
     "header(X-Forwarded-For)"),                                                 # a second header
    (b"/xri", b"X-Real-IP: 198.51.100.9\r\n", "header(X-Real-IP)"),               # nginx overrides
]
for path, extra, via in cases:
    mark = nlines(http_out)
    body = get(path, extra)
    check(body.startswith(b"HTTP/1.1 200") and (b"client=[::1]:0 via=" + via.encode()) in body,
          "%s %r: %r" % (path, extra, body))
    wait_line(http_out, r"accepted client=\[::1\]:0 via=%s lb=127\.0\.0\.1:\d+ local=127\.0\.0\.1:%d"
              % (re.escape(via), http_port), "nginx %s %r" % (path, extra), mark)
check("198.51.100" not in open(http_out).read(), "a forged X-Forwarded-For entry won")

print("== X-Forwarded-For from an untrusted source (127.0.0.2) directly")
mark = nlines(http_out)
body = get(b"/", b"X-Forwarded-For: 198.51.100.9\r\n", host="127.0.0.1", port=http_port,
           source="127.0.0.2")
check(body.startswith(b"HTTP/1.1 400"), "untrusted XFF: %r" % body)
wait_line(http_out, r"accepted client=- via=error\(header from a source not allowed to send it\) .*",
          "untrusted XFF", mark)
mark = nlines(http_out)
body = get(b"/", b"", host="127.0.0.1", port=http_port, source="127.0.0.2")
check(body.startswith(b"HTTP/1.1 200"), "no header, untrusted peer: %r" % body)
wait_line(http_out, r"accepted client=127\.0\.0\.2:\d+ via=peer lb=- local=.*", "no header", mark)

for name, p, out in procs:
    p.kill()
    p.wait()
print("PASS (%d checks)" % checks)
