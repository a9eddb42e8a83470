// SPDX-License-Identifier: MIT
//
// toa-lbsim: the command line of the load balancer simulator.
#include "lbsim.hpp"
#include "toa/toa.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

using namespace toa::lbsim;

namespace {

const char kUsage[] = R"(toa-lbsim - load balancer simulator for toa (TCP Option Address)

Speaks TCP with the local kernel through a TUN device, as a full-NAT layer-4 load
balancer does: segments come from the load balancer's SNAT address and the real
client appears only inside a TOA TCP option. Needs root (CAP_NET_ADMIN) and the tun
driver; each command sets the device up, runs, and the device goes away at exit
(unless made persistent with `setup --persist`).

Usage:
  toa-lbsim connect [options]    open connections with a TOA option, send, close
  toa-lbsim random  [options]    connections with seeded random option lists, each
                                 printed with what a receiver should find
  toa-lbsim setup   [--persist]  only create and configure the device
  toa-lbsim teardown             remove a persistent device
  toa-lbsim expect HEX           what a receiver finds in an option list (no TUN)
  toa-lbsim formats              list the TOA formats and malformations
  toa-lbsim --help | --version

Addressing (defaults; the device is configured with rtnetlink, no `ip` needed):
  on the TUN device (local):  192.0.2.1/32, 2001:db8::1/128   the server addresses
  routed into the TUN:        198.51.100.0/24, 2001:db8:ff::/48  load balancers
                              203.0.113.0/24,  2001:db8:c::/48   clients
  sysctls written: net.ipv4.conf.{all,DEV}.rp_filter=0, net.ipv4.conf.DEV.accept_local=1,
  net.ipv6.conf.DEV.{accept_dad,router_solicitations,accept_ra}=0; lo is brought up.

Device options (every command that uses the TUN):
  --dev NAME           TUN device name (default toa0)
  --route CIDR         another prefix routed into the device (repeatable)
  --no-config          attach to an already configured (persistent) device as is
  --syncookies N       write N to net.ipv4.tcp_syncookies first (0, 1 or 2)
  --persist            (setup) keep the device after exit

Connection options (connect):
  --server ADDR:PORT   server (default 192.0.2.1:8080, [2001:db8::1]:8080 with an
                       IPv6 --lb)
  --lb ADDR[:PORT]     load balancer SNAT address, source of the segments
                       (default 198.51.100.2; port: allocated from 20000-60999)
  --client ADDR:PORT   the real client carried in the option (default
                       203.0.113.7:40000, or [2001:db8:c::7]:40000 for IPv6 formats);
                       the port goes up by one per connection
  --format F           254/8 254/20 200/8 253/20 253/8 249/40 28/7 (default 200/8);
                       aliases lvs dpvs dpvs6 tencent clb tencent6 clb6 ucloud
                       alibaba6 cdn
  --no-toa             no TOA option at all (plain connection)
  --raw HEX            put these option bytes instead of a TOA (custom options)
  --at LIST            packets carrying the option: syn, ack, data, comma separated
                       (default ack)
  --no-pure-ack        do not send the handshake ACK: the first data segment
                       completes the handshake (needs --send)
  --malformed M        none len0 len1 truncated badlen forged eol nop len0-after
                       truncated-after (see `toa-lbsim formats`)
  --stack-first        put MSS/SACK/timestamps/window scale before the TOA (default:
                       after it, as LVS and DPVS insert the TOA first)
  --mss N|off  --wscale N|off  --no-sack  --no-ts
                       the SYN's ordinary options (default MSS 1460/1440, SACK,
                       timestamps, window scale 7); when the list exceeds 40 bytes
                       window scale, SACK, timestamps, MSS are dropped in turn
  --send STR           data to send after the handshake
  --send-hex HEX       ... given in hex
  --send-size N        ... N bytes of a pattern
  --expect-echo        the server must send the data back
  --hold MS            keep each connection open MS ms before closing it
  --close HOW          fin (default: FIN, wait for the server's FIN too),
                       fin-nowait (FIN, wait for its ACK only), wait (wait for the
                       server's FIN, then FIN), rst, none (leave it open: exit kills)
  --count N            connections (default 1)
  --parallel P         at most P open at once (default 1: one after another)
  --timeout MS         for each step of a connection (default 5000)
  --rto MS             initial retransmission timeout (default 250)
  --formats LIST       formats a receiver reads, for the expectation printed
                       (default: default = 254/8,254/20,200/8,253/20,253/8; all; or
                       a comma separated list)
  --seed S             seed for ISNs and ports (default: clock)
  -q, --quiet          only the summary (and failures)

Random mode (random), besides the connection options above that apply:
  --seed S             the seed of the case sequence (default 1)
  --count N            cases (default 100)
  --multi              option lists on any combination of SYN/ACK/data (default:
                       one packet per connection)
  --at LIST            allowed packets (default syn,ack,data)
  --dry-run            print the cases and expectations without a TUN
  --kernel-minlen N    draw again lists that Linux >= 6.7 drops (see below): 18
                       (default; kernels with TCP-MD5 but no TCP-AO, as Debian's
                       6.12), 5 (kernels with CONFIG_TCP_AO), 0 (keep them); also
                       the rule of the kdrop= field (connect too); in random a
                       connection that a kdrop= packet keeps from being set up
                       counts as ok (the kernel did as predicted)
  Each connection prints one line:
    case=I lb=ADDR:PORT at=POSITIONS completes=ack|data|fin
    syn=HEX|- ack=HEX|- data=HEX|-       (the whole option space as sent)
    expect=RESULT expect_syn=.. expect_ack=.. expect_data=..  result=ok|fail:WHY
  RESULT is `found FORMAT CLIENT`, `none` or `malformed`; expect (overall) is the
  SYN's when it has a TOA, else the one of the packet completing the handshake.

Expectation rule (the receiver's walk over the options, Linux style): EOL ends the
list; NOP is one byte; any other kind needs a length byte; a length below 2 or past
the end stops the walk (malformed); an option whose kind and length form an enabled
format is the TOA (a 28/7 whose version is not 1 stops the walk: malformed); the kind
of an enabled format with a length no format of that kind has (but 28/4, RFC 5482
User Timeout) also stops it (malformed); other options, disabled formats included,
are skipped; the first TOA wins.

Kernel drops: Linux >= 6.7 checks the option list before anything else sees it
(tcp_do_parse_auth_options) and DROPS a segment when it meets a length below 2 or past
the end while at least 18 bytes (5 with CONFIG_TCP_AO) of options are left. Lines
of connect and random show `kdrop=PACKETS` for the packets such a kernel drops
(with --kernel-minlen's rule);
`expect` says it too.

Exit status: 0 when every connection succeeded, 1 when one failed, 2 on bad usage
or when the device could not be set up.
)";

// An endpoint of the command line, parsed by libtoa (the tree's one endpoint syntax:
// "203.0.113.7:40000", "[2001:db8::7]:40000", or a bare address when no port is needed).
std::optional<Endpoint> cli_endpoint(const std::string &v, bool port_required)
{
	struct toa_endpoint te;
	if (toa_endpoint_parse(v.c_str(), &te) != 0 || te.scope_id != 0)
		return std::nullopt;
	size_t colon = v.find(':');
	bool has_port = v[0] == '[' ? v.find("]:") != std::string::npos
				    : colon != std::string::npos && colon == v.rfind(':');
	if (port_required && !has_port)
		return std::nullopt;
	Endpoint e;
	e.addr.family = static_cast<uint8_t>(te.family);
	std::memcpy(e.addr.b, te.addr, te.family == AF_INET ? 4 : 16);
	e.port = te.port;
	return e;
}

[[noreturn]] void usage_error(const std::string &msg)
{
	fprintf(stderr, "toa-lbsim: %s\n(see toa-lbsim --help)\n", msg.c_str());
	exit(2);
}

struct Options {
	std::string cmd;
	// device
	TunConfig tun;
	bool no_config = false;
	int syncookies = -1;
	// connection
	std::optional<Endpoint> server, lb, client;
	Format format = Format::F200_8;
	bool no_toa = false;
	std::optional<std::vector<uint8_t>> raw;
	std::optional<unsigned> at;
	bool no_pure_ack = false;
	Malformation malformed = Malformation::None;
	bool stack_first = false;
	TcpOptions tcp;
	std::string payload;
	bool expect_echo = false;
	int hold_ms = 0;
	std::string close = "fin";
	int count = -1, parallel = 1;
	int timeout_ms = 5000, rto_ms = 250;
	uint32_t enabled = TOA_FMT_DEFAULT;
	std::optional<uint64_t> seed;
	bool quiet = false;
	// random
	bool multi = false, dry_run = false;
	unsigned kernel_minlen = 18;
	// expect
	std::string hexarg;
};

long to_num(const std::string &opt, const std::string &v, long lo, long hi)
{
	char *end = nullptr;
	errno = 0;
	long n = strtol(v.c_str(), &end, 0);
	if (v.empty() || *end || errno || n < lo || n > hi)
		usage_error("bad value for " + opt + ": '" + v + "'");
	return n;
}

Options parse_args(int argc, char **argv)
{
	Options o;
	if (argc < 2)
		usage_error("no command");
	int i = 1;
	std::string first = argv[1];
	if (first == "-h" || first == "--help" || first == "help") {
		fputs(kUsage, stdout);
		exit(0);
	}
	if (first == "--version") {
		printf("toa-lbsim %s\n", TOA_VERSION_STRING);
		exit(0);
	}
	o.cmd = first;
	i = 2;
	auto val = [&](const std::string &opt) -> std::string {
		if (i + 1 >= argc)
			usage_error(opt + " needs a value");
		return argv[++i];
	};
	for (; i < argc; i++) {
		std::string a = argv[i];
		if (a == "-h" || a == "--help") {
			fputs(kUsage, stdout);
			exit(0);
		} else if (a == "--dev") {
			o.tun.name = val(a);
		} else if (a == "--route") {
			std::string v = val(a);
			auto p = Prefix::parse(v);
			if (!p)
				usage_error("bad prefix for " + a + ": " + v);
			o.tun.routes.push_back(*p);
		} else if (a == "--no-config") {
			o.no_config = true;
		} else if (a == "--persist") {
			o.tun.persist = true;
		} else if (a == "--syncookies") {
			o.syncookies = static_cast<int>(to_num(a, val(a), 0, 2));
		} else if (a == "--server" || a == "--client") {
			std::string v = val(a);
			auto e = cli_endpoint(v, true);
			if (!e)
				usage_error("bad endpoint for " + a + " (ADDR:PORT or [V6]:PORT): " + v);
			(a == "--server" ? o.server : o.client) = *e;
		} else if (a == "--lb") {
			std::string v = val(a);
			auto e = cli_endpoint(v, false);
			if (!e)
				usage_error("bad address for --lb: " + v);
			o.lb = *e;
		} else if (a == "--format") {
			std::string v = val(a);
			auto f = parse_format(v);
			if (!f)
				usage_error("unknown format: " + v);
			o.format = *f;
		} else if (a == "--no-toa") {
			o.no_toa = true;
		} else if (a == "--raw") {
			auto b = unhex(val(a));
			if (!b || b->size() > 40)
				usage_error("--raw takes up to 40 bytes of hex");
			o.raw = *b;
		} else if (a == "--at") {
			std::string v = val(a);
			auto p = parse_positions(v);
			if (!p)
				usage_error("bad --at (syn,ack,data): " + v);
			o.at = *p;
		} else if (a == "--no-pure-ack") {
			o.no_pure_ack = true;
		} else if (a == "--malformed") {
			std::string v = val(a);
			auto m = parse_malformation(v);
			if (!m)
				usage_error("unknown malformation: " + v);
			o.malformed = *m;
		} else if (a == "--stack-first") {
			o.stack_first = true;
		} else if (a == "--mss") {
			std::string v = val(a);
			if (v == "off")
				o.tcp.mss = false;
			else
				o.tcp.mss_value = static_cast<uint16_t>(to_num(a, v, 88, 65535));
		} else if (a == "--wscale") {
			std::string v = val(a);
			o.tcp.wscale = v == "off" ? -1 : static_cast<int>(to_num(a, v, 0, 14));
		} else if (a == "--no-sack") {
			o.tcp.sack = false;
		} else if (a == "--no-ts") {
			o.tcp.timestamps = false;
		} else if (a == "--send") {
			o.payload = val(a);
		} else if (a == "--send-hex") {
			auto b = unhex(val(a));
			if (!b)
				usage_error("bad hex for --send-hex");
			o.payload.assign(b->begin(), b->end());
		} else if (a == "--send-size") {
			long n = to_num(a, val(a), 0, 64 << 20);
			o.payload.resize(static_cast<size_t>(n));
			for (long k = 0; k < n; k++)
				o.payload[k] = static_cast<char>('a' + k % 26);
		} else if (a == "--expect-echo") {
			o.expect_echo = true;
		} else if (a == "--hold") {
			o.hold_ms = static_cast<int>(to_num(a, val(a), 0, 86400000));
		} else if (a == "--close") {
			o.close = val(a);
			if (o.close != "fin" && o.close != "fin-nowait" && o.close != "wait" &&
			    o.close != "rst" && o.close != "none")
				usage_error("--close takes fin, fin-nowait, wait, rst or none");
		} else if (a == "--count") {
			o.count = static_cast<int>(to_num(a, val(a), 1, 100000000));
		} else if (a == "--parallel") {
			o.parallel = static_cast<int>(to_num(a, val(a), 1, 100000));
		} else if (a == "--timeout") {
			o.timeout_ms = static_cast<int>(to_num(a, val(a), 1, 3600000));
		} else if (a == "--rto") {
			o.rto_ms = static_cast<int>(to_num(a, val(a), 1, 60000));
		} else if (a == "--formats") {
			std::string v = val(a);
			auto m = parse_format_mask(v);
			if (!m)
				usage_error("bad --formats: " + v);
			o.enabled = *m;
		} else if (a == "--seed") {
			o.seed = static_cast<uint64_t>(strtoull(val(a).c_str(), nullptr, 0));
		} else if (a == "-q" || a == "--quiet") {
			o.quiet = true;
		} else if (a == "--multi") {
			o.multi = true;
		} else if (a == "--dry-run") {
			o.dry_run = true;
		} else if (a == "--kernel-minlen") {
			o.kernel_minlen = static_cast<unsigned>(to_num(a, val(a), 0, 40));
		} else if (o.cmd == "expect" && o.hexarg.empty() && a[0] != '-') {
			o.hexarg = a;
		} else {
			usage_error("unknown argument: " + a);
		}
	}
	return o;
}

int open_tun(Options &o, Tun &tun)
{
	if (o.syncookies >= 0 &&
	    !Tun::sysctl("net/ipv4/tcp_syncookies", std::to_string(o.syncookies))) {
		fprintf(stderr, "toa-lbsim: cannot write net.ipv4.tcp_syncookies\n");
		return 2;
	}
	o.tun.configure = !o.no_config;
	std::string err;
	if (!tun.open(o.tun, &err)) {
		fprintf(stderr, "toa-lbsim: %s\n", err.c_str());
		return 2;
	}
	return 0;
}

// ---------------------------------------------------------------------------------
// One connection's scenario, stepped by the driver loop.

enum class Phase { Start, Connecting, Sending, Holding, Closing, Done };

struct Job {
	int index = 0;
	std::unique_ptr<Conn> conn;
	Phase phase = Phase::Start;
	uint64_t deadline = 0;
	std::string recvd;
	bool ok = false;
	std::string why;
	std::optional<RandomCase> rc;
	std::string toa_desc;
};

std::string kdrop_field(const Conn &c, unsigned minlen);

struct Driver {
	Options &o;
	Stack &st;
	std::string close;
	std::function<void(Job &)> report;
	// random: a connection that a packet predicted dropped (kdrop=, --kernel-minlen)
	// never sets up is what that kernel does, not a failure
	bool predicted_drops_ok = false;

	void fail(Job &j, const std::string &why)
	{
		if (predicted_drops_ok && j.conn && !kdrop_field(*j.conn, o.kernel_minlen).empty()) {
			j.ok = true;
			j.why = "dropped by the kernel, as predicted (" + why + ")";
			j.conn->reset();
			j.phase = Phase::Done;
			return;
		}
		j.ok = false;
		j.why = why;
		if (j.conn && !j.conn->error().empty())
			j.why += " (" + j.conn->error() + ")";
		if (j.conn)
			j.conn->reset();
		j.phase = Phase::Done;
	}

	void set_deadline(Job &j, int ms) { j.deadline = st.now_ms() + static_cast<uint64_t>(ms); }

	// Advances a job as far as it can go now. Returns true when it is done.
	bool step(Job &j)
	{
		Conn &c = *j.conn;
		for (;;) {
			uint64_t now = st.now_ms();
			switch (j.phase) {
			case Phase::Start:
				if (!c.start()) {
					fail(j, "start");
					return true;
				}
				j.phase = Phase::Connecting;
				set_deadline(j, o.timeout_ms);
				continue;
			case Phase::Connecting:
				if (c.state() == State::SynSent) {
					if (now >= j.deadline) {
						fail(j, "no SYN-ACK");
						return true;
					}
					return false;
				}
				if (!c.established()) {
					fail(j, std::string("handshake: ") + state_name(c.state()));
					return true;
				}
				if (!o.payload.empty() && !c.send(o.payload)) {
					fail(j, "send");
					return true;
				}
				j.phase = Phase::Sending;
				set_deadline(j, o.timeout_ms);
				continue;
			case Phase::Sending: {
				if (c.state() == State::Reset || c.state() == State::Failed) {
					fail(j, std::string("data: ") + state_name(c.state()));
					return true;
				}
				j.recvd += c.rx();
				c.rx().clear();
				bool done = c.all_acked();
				if (o.expect_echo)
					done = done && j.recvd.size() >= o.payload.size();
				if (!done) {
					if (o.expect_echo && c.peer_fin() &&
					    j.recvd.size() < o.payload.size()) {
						fail(j, "server closed before echoing everything");
						return true;
					}
					if (now >= j.deadline) {
						fail(j, o.expect_echo && c.all_acked()
								? "no echo (got " + std::to_string(j.recvd.size()) +
									  " of " + std::to_string(o.payload.size()) + " bytes)"
								: "data not acknowledged");
						return true;
					}
					return false;
				}
				if (o.expect_echo && j.recvd.compare(0, o.payload.size(), o.payload) != 0) {
					fail(j, "echo differs");
					return true;
				}
				j.phase = Phase::Holding;
				set_deadline(j, o.hold_ms);
				continue;
			}
			case Phase::Holding:
				if (now < j.deadline)
					return false;
				j.recvd += c.rx();
				c.rx().clear();
				if (close == "rst") {
					c.close_rst();
					j.ok = true;
					j.phase = Phase::Done;
					return true;
				}
				if (close == "none") {
					j.ok = true;
					j.phase = Phase::Done;
					return true;
				}
				if (close != "wait")
					c.shutdown();
				j.phase = Phase::Closing;
				set_deadline(j, o.timeout_ms);
				continue;
			case Phase::Closing: {
				j.recvd += c.rx();
				c.rx().clear();
				if (c.state() == State::Reset || c.state() == State::Failed) {
					fail(j, std::string("close: ") + state_name(c.state()));
					return true;
				}
				if (close == "wait" && c.peer_fin())
					c.shutdown();
				bool done = c.all_acked() && c.state() != State::Established &&
					    c.state() != State::CloseWait;
				if (close == "fin" || close == "wait")
					done = done && c.peer_fin();
				if (!done) {
					if (now >= j.deadline) {
						fail(j, close == "wait" && !c.peer_fin()
								? "no FIN from the server"
								: !c.all_acked() ? "FIN not acknowledged"
										 : "no FIN from the server");
						return true;
					}
					return false;
				}
				j.ok = true;
				j.phase = Phase::Done;
				return true;
			}
			case Phase::Done:
				return true;
			}
		}
	}

	// Runs jobs from `make` (called with the index) with at most `parallel` open.
	int run(int count, const std::function<std::unique_ptr<Job>(int)> &make)
	{
		std::deque<std::unique_ptr<Job>> active;
		int started = 0, failed = 0;
		while (started < count || !active.empty()) {
			while (started < count && static_cast<int>(active.size()) < o.parallel) {
				auto j = make(started++);
				st.update_clock();
				if (step(*j)) {
					failed += !j->ok;
					report(*j);
				} else {
					active.push_back(std::move(j));
				}
			}
			if (active.empty())
				continue;
			st.poll(50);
			for (auto it = active.begin(); it != active.end();) {
				if (step(**it)) {
					failed += !(*it)->ok;
					report(**it);
					it = active.erase(it);
				} else {
					++it;
				}
			}
		}
		// let the last ACKs and RSTs go out
		st.poll(0);
		return failed;
	}
};

Endpoint default_server(const Options &o, const Addr &lb)
{
	if (o.server)
		return *o.server;
	Endpoint e;
	e.addr = *Addr::parse(lb.is_v6() ? "2001:db8::1" : "192.0.2.1");
	e.port = 8080;
	return e;
}

Endpoint default_lb(const Options &o)
{
	if (o.lb)
		return *o.lb;
	Endpoint e;
	bool v6 = o.server && o.server->addr.is_v6();
	e.addr = *Addr::parse(v6 ? "2001:db8:ff::2" : "198.51.100.2");
	return e;
}

std::string expect_field(const std::optional<Expectation> &e)
{
	if (!e)
		return "-";
	std::string s = e->str();
	for (auto &ch : s)
		if (ch == ' ')
			ch = ',';
	return s;
}

std::string sent_hex(const SentOptions &s)
{
	return s.sent ? hex(s.opts.bytes, s.opts.len) : "-";
}

const char *completes_str(unsigned c)
{
	return c == kAtAck ? "ack" : c == kAtData ? "data" : "fin";
}

// The packets a Linux >= 6.7 kernel drops (--kernel-minlen: 18 with TCP-MD5 and no
// TCP-AO, 5 with TCP-AO): " kdrop=syn+ack" or "".
std::string kdrop_field(const Conn &c, unsigned minlen)
{
	unsigned p = 0;
	auto drops = [minlen](const SentOptions &s) {
		return s.sent && linux_drops_options(s.opts.bytes, s.opts.len, minlen);
	};
	if (drops(c.sent_syn()))
		p |= kAtSyn;
	if (drops(c.sent_ack()))
		p |= kAtAck;
	if (drops(c.sent_data()))
		p |= kAtData;
	return p ? " kdrop=" + positions_str(p) : "";
}

std::string family_name(const Addr &a) { return a.is_v4() ? "IPv4" : "IPv6"; }

// ---------------------------------------------------------------------------------

int cmd_connect(Options &o)
{
	Endpoint lb = default_lb(o);
	Endpoint server = default_server(o, lb.addr);
	if (lb.addr.family != server.addr.family)
		usage_error("--lb and --server must be of one family");
	const FormatInfo &fi = format_info(o.format);
	Endpoint client;
	if (o.client) {
		client = *o.client;
	} else {
		client.addr = *Addr::parse(fi.family == AF_INET ? "203.0.113.7" : "2001:db8:c::7");
		client.port = 40000;
	}
	if (!o.no_toa && !o.raw && client.addr.family != fi.family)
		usage_error(std::string("format ") + fi.name + " carries an " +
			    (fi.family == AF_INET ? "IPv4" : "IPv6") + " client");
	unsigned at = o.at ? *o.at : kAtAck;
	if (o.no_pure_ack && o.payload.empty() && o.close != "rst")
		fprintf(stderr, "toa-lbsim: note: --no-pure-ack without --send: the FIN "
				"completes the handshake\n");
	if (o.expect_echo && o.payload.empty())
		usage_error("--expect-echo needs --send/--send-hex/--send-size");
	int count = o.count > 0 ? o.count : 1;

	Tun tun;
	if (int r = open_tun(o, tun))
		return r;
	StackConfig sc;
	if (o.seed)
		sc.seed = *o.seed;
	Stack st(tun, sc);

	std::string what;
	if (o.no_toa)
		what = "no TOA";
	else if (o.raw)
		what = "raw " + hex(o.raw->data(), o.raw->size());
	else
		what = std::string(fi.name);
	if (o.malformed != Malformation::None)
		what += std::string(" malformed ") + malformation_name(o.malformed);

	Driver d{o, st, o.close, nullptr};
	int ok_count = 0;
	d.report = [&](Job &j) {
		ok_count += j.ok;
		if (o.quiet && j.ok)
			return;
		ConnExpectation e = expect_conn(*j.conn, o.enabled);
		std::string line = j.ok ? "ok  " : "FAIL";
		line += " " + j.conn->lb().str() + " > " + j.conn->server().str();
		line += " " + j.toa_desc + " at " + (o.no_toa ? "-" : positions_str(at));
		line += " completes=" + std::string(completes_str(j.conn->completed_by()));
		line += " expect=" + expect_field(e.overall);
		if (!o.payload.empty())
			line += " sent=" + std::to_string(o.payload.size());
		if (o.expect_echo)
			line += j.ok ? " echo=ok" : "";
		if (j.ok)
			line += " close=" + o.close;
		line += kdrop_field(*j.conn, o.kernel_minlen);
		if (j.conn->retransmits())
			line += " retrans=" + std::to_string(j.conn->retransmits());
		if (!j.ok)
			line += " error: " + j.why;
		printf("%s\n", line.c_str());
		fflush(stdout);
	};
	uint64_t t0 = st.update_clock();
	int failed = d.run(count, [&](int i) {
		auto j = std::make_unique<Job>();
		j->index = i;
		ConnConfig cc;
		cc.lb = lb;
		cc.server = server;
		cc.tcp = o.tcp;
		cc.pure_ack = !o.no_pure_ack;
		cc.rto_ms = o.rto_ms;
		Endpoint cl = client;
		cl.port = static_cast<uint16_t>(client.port + i);
		OptionList list;
		if (o.raw) {
			list = {OptionSpec::raw(*o.raw)};
			j->toa_desc = "raw";
		} else if (!o.no_toa) {
			list = make_option_list(o.format, cl, o.malformed);
			j->toa_desc = std::string(fi.name) + " " +
				      (fi.has_port ? cl.str() : cl.addr.str());
			if (o.malformed != Malformation::None)
				j->toa_desc += std::string(" malformed=") + malformation_name(o.malformed);
		} else {
			j->toa_desc = "no-toa";
		}
		if (o.stack_first && !list.empty())
			list.insert(list.begin(), OptionSpec::stack());
		if (!list.empty())
			cc.set_options(list, at);
		j->conn = std::make_unique<Conn>(st, std::move(cc));
		return j;
	});
	uint64_t ms = st.update_clock() - t0;
	if (!o.quiet || failed)
		fprintf(o.quiet ? stderr : stdout, "connect: %d ok, %d failed (%s, %s) in %llu ms\n",
			ok_count, failed, family_name(lb.addr).c_str(), what.c_str(),
			(unsigned long long)ms);
	return failed ? 1 : 0;
}

int cmd_random(Options &o)
{
	uint64_t seed = o.seed ? *o.seed : 1;
	int count = o.count > 0 ? o.count : 100;
	RandomConfig rcfg;
	rcfg.multi = o.multi;
	rcfg.kernel_minlen = o.kernel_minlen;
	if (o.at && *o.at)
		rcfg.positions = *o.at;
	if (o.payload.empty())
		o.payload = "toa-lbsim random\n";
	Endpoint lb = default_lb(o);
	Endpoint server = default_server(o, lb.addr);
	if (lb.addr.family != server.addr.family)
		usage_error("--lb and --server must be of one family");
	Rng rng(seed);

	if (o.dry_run) {
		for (int i = 0; i < count; i++) {
			RandomCase rc = random_case(rng, rcfg);
			auto enc = [&](const OptionList &l, bool syn) {
				StackOpts so;
				so.syn = syn;
				so.mss = rc.tcp.mss;
				so.mss_value = lb.addr.is_v4() ? 1460 : 1440;
				so.sack_perm = rc.tcp.sack;
				so.ts = rc.tcp.timestamps;
				so.wscale = rc.tcp.wscale;
				EncodedOptions e;
				std::string err;
				if (!encode_options(l, so, false, e, &err))
					return std::optional<EncodedOptions>();
				return std::optional<EncodedOptions>(e);
			};
			std::string line = "case=" + std::to_string(i) + " at=" + positions_str(rc.positions) +
					   " completes=" + (rc.pure_ack ? "ack" : "data");
			std::optional<Expectation> es, ea, ed;
			std::optional<EncodedOptions> x;
			x = enc(rc.syn, true);
			line += " syn=" + (x ? hex(x->bytes, x->len) : "-");
			if (x)
				es = expect_first_toa(x->bytes, x->len, o.enabled, true);
			x = rc.pure_ack ? enc(rc.ack, false) : std::nullopt;
			line += " ack=" + (x ? hex(x->bytes, x->len) : "-");
			if (x)
				ea = expect_first_toa(x->bytes, x->len, o.enabled);
			x = enc(rc.data, false);
			line += " data=" + (x ? hex(x->bytes, x->len) : "-");
			if (x)
				ed = expect_first_toa(x->bytes, x->len, o.enabled);
			Expectation ov;
			if (es && es->found())
				ov = *es;
			else if (rc.pure_ack && ea)
				ov = *ea;
			else if (!rc.pure_ack && ed)
				ov = *ed;
			else if (es)
				ov = *es;
			line += " expect=" + expect_field(ov) + " expect_syn=" + expect_field(es) +
				" expect_ack=" + expect_field(ea) + " expect_data=" + expect_field(ed);
			printf("%s\n", line.c_str());
		}
		return 0;
	}

	Tun tun;
	if (int r = open_tun(o, tun))
		return r;
	StackConfig sc;
	sc.seed = seed * 0x9e3779b97f4a7c15ull + 1;
	Stack st(tun, sc);
	Driver d{o, st, o.close, nullptr};
	d.predicted_drops_ok = true;
	int ok_count = 0;
	d.report = [&](Job &j) {
		ok_count += j.ok;
		ConnExpectation e = expect_conn(*j.conn, o.enabled);
		if (o.quiet && j.ok)
			return;
		std::string line = "case=" + std::to_string(j.index);
		line += " lb=" + j.conn->lb().str();
		line += " at=" + positions_str(j.rc->positions);
		line += " completes=" + std::string(completes_str(j.conn->completed_by()));
		line += " syn=" + sent_hex(j.conn->sent_syn());
		line += " ack=" + sent_hex(j.conn->sent_ack());
		line += " data=" + sent_hex(j.conn->sent_data());
		line += " expect=" + expect_field(e.overall);
		line += " expect_syn=" + expect_field(e.syn);
		line += " expect_ack=" + expect_field(e.ack);
		line += " expect_data=" + expect_field(e.data);
		line += kdrop_field(*j.conn, o.kernel_minlen);
		line += " result=" + (j.ok ? std::string("ok") : "fail:" + j.why);
		for (auto &ch : line)
			if (ch == '\n')
				ch = ' ';
		printf("%s\n", line.c_str());
		fflush(stdout);
	};
	uint64_t t0 = st.update_clock();
	int failed = d.run(count, [&](int i) {
		auto j = std::make_unique<Job>();
		j->index = i;
		j->rc = random_case(rng, rcfg);
		ConnConfig cc;
		cc.lb = lb;
		cc.server = server;
		cc.rto_ms = o.rto_ms;
		apply_case(*j->rc, cc);
		j->conn = std::make_unique<Conn>(st, std::move(cc));
		return j;
	});
	uint64_t ms = st.update_clock() - t0;
	fprintf(o.quiet ? stderr : stdout, "random: seed %llu, %d ok, %d failed in %llu ms\n",
		(unsigned long long)seed, ok_count, failed, (unsigned long long)ms);
	return failed ? 1 : 0;
}

int cmd_setup(Options &o)
{
	Tun tun;
	if (int r = open_tun(o, tun))
		return r;
	if (!o.quiet) {
		printf("%s: ifindex %d%s\n", tun.name().c_str(), tun.ifindex(),
		       o.tun.persist ? ", persistent" : " (removed at exit: use --persist)");
		for (const auto &a : o.tun.addrs)
			printf("  local %s\n", a.str().c_str());
		for (const auto &r : o.tun.routes)
			printf("  route %s\n", r.str().c_str());
	}
	return 0;
}

int cmd_teardown(Options &o)
{
	std::string err;
	if (!Tun::destroy(o.tun.name, &err)) {
		fprintf(stderr, "toa-lbsim: %s\n", err.c_str());
		return 1;
	}
	if (!o.quiet)
		printf("%s removed\n", o.tun.name.c_str());
	return 0;
}

int cmd_expect(Options &o)
{
	auto b = unhex(o.hexarg);
	if (!b || o.hexarg.empty() || b->size() > 40)
		usage_error("expect takes the option bytes in hex (at most 40 bytes)");
	Expectation e = expect_first_toa(b->data(), b->size(), o.enabled);
	printf("%s\n", e.str().c_str());
	unsigned ml = o.kernel_minlen ? o.kernel_minlen : 18;
	printf("linux>=6.7 (minlen %u): %s\n", ml,
	       linux_drops_options(b->data(), b->size(), ml) ? "drops the segment" : "accepts");
	return 0;
}

int cmd_formats()
{
	printf("TOA formats (kind/len: data; who):\n");
	for (unsigned i = 0; i < kFormatCount; i++) {
		const FormatInfo &fi = format_info(static_cast<Format>(i));
		printf("  %-7s %-34s %s%s\n", fi.name,
		       fi.format == Format::F28_7     ? "version(1)=1 + IPv4(4), no port"
		       : fi.format == Format::F249_40 ? "port(2) + IPv6(16) + info(20)"
		       : fi.family == AF_INET         ? "port(2) + IPv4(4)"
						      : "port(2) + IPv6(16)",
		       fi.who,
		       (TOA_FMT_DEFAULT & TOA_FMT_BIT(i)) ? "" : " [not read by default]");
	}
	printf("\nMalformations (--malformed), around one real TOA (results with its format\n"
	       "read; see the expectation rule in --help):\n"
	       "  none             [toa]                      found\n"
	       "  len0             [kind/0, toa]              malformed: nothing\n"
	       "  len1             [kind/1, toa]              malformed: nothing\n"
	       "  truncated        [toa cut by the end]       malformed: nothing\n"
	       "  badlen           [kind/len+2]               malformed: nothing (none when\n"
	       "                                              no format of the kind is read)\n"
	       "  forged           [toa, forged toa]          found: the first\n"
	       "  eol              [EOL, toa]                 none\n"
	       "  nop              [NOP, NOP, NOP, toa]       found (unaligned)\n"
	       "  len0-after       [toa, kind/0]              found\n"
	       "  truncated-after  [toa, 250/12 cut]          found\n");
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, nullptr, _IOLBF, 0);
	Options o = parse_args(argc, argv);
	if (o.cmd == "connect")
		return cmd_connect(o);
	if (o.cmd == "random")
		return cmd_random(o);
	if (o.cmd == "setup")
		return cmd_setup(o);
	if (o.cmd == "teardown")
		return cmd_teardown(o);
	if (o.cmd == "expect")
		return cmd_expect(o);
	if (o.cmd == "formats")
		return cmd_formats();
	usage_error("unknown command: " + o.cmd);
}
