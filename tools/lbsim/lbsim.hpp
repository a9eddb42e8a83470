// SPDX-License-Identifier: MIT
//
// toa::lbsim - a layer-4 full-NAT load balancer simulator.
//
// It speaks TCP with the local kernel through a TUN device, standing in for a load
// balancer (Tencent CLB, LVS, DPVS, ...): packets come from the load balancer's SNAT
// address and carry the real client's address in a TOA TCP option.
//
// Layers (each usable on its own):
//   - wire:  addresses, TOA formats, option-list encoder, checksums, IPv4/IPv6 + TCP
//            packet builder and parser, and the independent "first valid TOA" parser
//            that tells what a receiver should see (no TUN needed: unit-testable).
//   - Tun:   opens /dev/net/tun, brings the device up, sets addresses, routes and
//            sysctls with ioctl and rtnetlink (libmnl; no dependency on `ip`).
//   - Stack: reads the TUN, dispatches segments to connections by 4-tuple, runs the
//            retransmission timers. Single-threaded; nothing blocks but poll().
//   - Conn:  one simulated connection (client side TCP).
//   - random_case(): seeded random option lists for fuzz-like tests.
//
// The simulator shares only constants with the module (include/toa/uapi.h); every
// encoder and parser here is its own code.
#ifndef TOA_LBSIM_HPP
#define TOA_LBSIM_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "toa/uapi.h"

namespace toa::lbsim {

// ---------------------------------------------------------------------------------
// Addresses

struct Addr {
	uint8_t family = 0; // AF_INET, AF_INET6, or 0 (unset)
	uint8_t b[16] = {}; // network order; IPv4 in the first 4 bytes

	static std::optional<Addr> parse(std::string_view s); // "192.0.2.1" / "2001:db8::1"
	static Addr v4(uint32_t host_order);
	static Addr v6(const uint8_t bytes[16]);
	bool is_v4() const;
	bool is_v6() const;
	bool empty() const { return family == 0; }
	size_t size() const { return is_v4() ? 4 : 16; }
	std::string str() const;
	bool operator==(const Addr &o) const;
	bool operator!=(const Addr &o) const { return !(*this == o); }
};

struct Endpoint {
	Addr addr;
	uint16_t port = 0; // host order

	// "192.0.2.1:80", "[2001:db8::1]:80"; without a port when !port_required
	// ("192.0.2.1", "2001:db8::1", "[2001:db8::1]").
	static std::optional<Endpoint> parse(std::string_view s, bool port_required = true);
	std::string str() const;
	bool operator==(const Endpoint &o) const { return addr == o.addr && port == o.port; }
	bool operator!=(const Endpoint &o) const { return !(*this == o); }
};

struct Prefix {
	Addr addr;
	uint8_t len = 0;
	static std::optional<Prefix> parse(std::string_view s); // "198.51.100.0/24"
	std::string str() const;
	bool contains(const Addr &a) const;
};

// ---------------------------------------------------------------------------------
// TOA formats: TOA_FORMATS of include/toa/uapi.h. The enum values are those of
// enum toa_format.

#define LBSIM_FORMAT_(id, kind, len, family, on) F##id = TOA_FMT_##id,
enum class Format : uint8_t { TOA_FORMATS(LBSIM_FORMAT_) };
#undef LBSIM_FORMAT_
constexpr unsigned kFormatCount = __TOA_FMT_MAX;

struct FormatInfo {
	Format format;
	uint8_t kind;
	uint8_t len;
	uint8_t family; // AF_INET / AF_INET6: the client address family it carries
	bool has_port;  // false for 28/7
	const char *name; // "254/8"
	const char *who;  // vendor, for --help
};
const FormatInfo &format_info(Format f);
std::optional<Format> format_by_kind_len(uint8_t kind, uint8_t len);
// "200/8", "254/20", ... also aliases: tencent (200/8), lvs (254/8), dpvs6 (254/20),
// tencent6 (253/20), ucloud (253/8), alibaba6 (249/40), cdn (28/7).
std::optional<Format> parse_format(std::string_view s);
// "254/8,200/8" or "default" or "all" -> bit mask of enum toa_format
std::optional<uint32_t> parse_format_mask(std::string_view s);
std::string format_mask_str(uint32_t mask);

// ---------------------------------------------------------------------------------
// Option lists

constexpr size_t kMaxOptLen = 40;

// One item of a packet's TCP option list. Items are laid out in order; Toa items whose
// length is not a multiple of 4 are followed by NOPs when another item follows; the
// list is padded at the end with EOL (0) bytes to a multiple of 4.
struct OptionSpec {
	enum class Type : uint8_t {
		Toa,       // kind, len, data of `format` (kind/len overridable) for `client`
		Raw,       // `bytes` verbatim (any custom option, or garbage)
		Nop,       // 1
		Eol,       // 0 (a Linux-style parser stops here)
		Len0,      // kind, 0      (parser stops: "silly option")
		Len1,      // kind, 1      (parser stops)
		BadLen,    // a TOA kind with a wrong length (default format len + 2): a
		           // malformed TOA (the walk stops) when a format of that kind is
		           // enabled, else an unknown option (skipped)
		Truncated, // the TOA's header and as much data as fits up to the end of the
		           // option space; its length byte runs past the end (parser stops).
		           // Must be the last item.
		Stack,     // where the ordinary options go (MSS, SACK-permitted, timestamps,
		           // window scale on the SYN; timestamps later). Implicit at the end
		           // (before a trailing Truncated) when the list has none.
	};
	Type type = Type::Toa;
	Format format = Format::F200_8;
	uint8_t kind = 0;   // 0: the format's kind (Toa/BadLen/Truncated); Len0/Len1 kind
	uint8_t len = 0;    // 0: the format's length (Toa/Truncated), format len + 2 (BadLen)
	Endpoint client;    // client address and port carried
	uint8_t version = 1; // 28/7 version byte
	std::vector<uint8_t> bytes; // Raw: the bytes; 249/40: the 20 info bytes (default 0)

	static OptionSpec toa(Format f, const Endpoint &client);
	static OptionSpec raw(std::vector<uint8_t> b);
	static OptionSpec nop();
	static OptionSpec eol();
	static OptionSpec len0(uint8_t kind);
	static OptionSpec len1(uint8_t kind);
	static OptionSpec badlen(Format f, const Endpoint &client, uint8_t len = 0);
	static OptionSpec truncated(Format f, const Endpoint &client);
	static OptionSpec stack();
};
using OptionList = std::vector<OptionSpec>;

// Named malformations (the CLI's --malformed), built around one real TOA:
enum class Malformation : uint8_t {
	None,       // [toa]                              -> found
	Len0,       // [kind/0, toa]                      -> malformed (nothing)
	Len1,       // [kind/1, toa]                      -> malformed
	Truncated,  // [toa cut at the end of the space]  -> malformed
	BadLen,     // [kind/len+2 instead of the toa]    -> malformed (none when no
	            //                                       format of the kind is read)
	Forged,     // [toa, forged toa]                  -> found: the first (real) one
	EolBefore,  // [EOL, toa]                         -> none
	NopBefore,  // [NOP, NOP, NOP, toa]               -> found (unaligned)
	Len0After,  // [toa, kind/0]                      -> found
	TruncatedAfter, // [toa, 250/12 cut at the end]   -> found
};
std::optional<Malformation> parse_malformation(std::string_view s);
const char *malformation_name(Malformation m);
// The option list for one real TOA with a malformation; `forged` is the client of the
// forged option (Forged only). The results above are those of expect_first_toa() with
// the format `f` enabled.
OptionList make_option_list(Format f, const Endpoint &client, Malformation m,
			    const Endpoint &forged = {});

// The ordinary options the stack puts at the Stack item.
struct TcpOptions {
	bool mss = true;
	uint16_t mss_value = 0; // 0: MTU - headers (1460 IPv4, 1440 IPv6)
	bool sack = true;
	bool timestamps = true;
	int wscale = 7; // -1: no window scale option
	// When the list does not fit 40 bytes: drop window scale, SACK-permitted,
	// timestamps, MSS (in this order) until it fits; false: fail instead.
	bool auto_fit = true;
};

// The standard options actually put into one packet.
struct StackOpts {
	bool syn = false;
	bool mss = false;
	uint16_t mss_value = 0;
	bool sack_perm = false;
	bool ts = false;
	uint32_t tsval = 0, tsecr = 0;
	int wscale = -1;
};

struct EncodedOptions {
	uint8_t bytes[kMaxOptLen] = {};
	uint8_t len = 0;     // multiple of 4
	StackOpts used;      // what went in at the Stack item (after auto-fit)
	std::string_view bytes_view() const
	{
		return {reinterpret_cast<const char *>(bytes), len};
	}
};

// Encodes `list` (may be empty) with `st` at the Stack item. Returns false (and sets
// *err) when it does not fit 40 bytes (after auto-fit), an address does not fit the
// format, or a Truncated item is not last.
bool encode_options(const OptionList &list, const StackOpts &st, bool auto_fit,
		    EncodedOptions &out, std::string *err);

// ---------------------------------------------------------------------------------
// What a receiver should see: our own Linux-style option walk.
//   EOL ends the list; NOP is one byte; any other kind needs a length byte, and a
//   length < 2 or past the end of the option space stops the walk with nothing more.
//   An option whose (kind, len) is an enabled format is the TOA (28/7 also needs
//   version 1, else the walk stops); a kind of an enabled format with a length no
//   format of that kind has (but 28/4, RFC 5482 User Timeout) is a malformed TOA and
//   stops the walk; other options are skipped. The first TOA wins.
struct Expectation {
	enum class Result : uint8_t { None, Found, Malformed };
	Result result = Result::None;
	Format format = Format::F200_8;
	uint8_t kind = 0, len = 0;
	uint8_t offset = 0; // of the option in the list
	Endpoint client;    // port 0 for 28/7
	bool found() const { return result == Result::Found; }
	std::string str() const; // "found 200/8 203.0.113.7:40000", "none", "malformed"
	bool operator==(const Expectation &o) const;
};
// `syn`: the list is a SYN's, where kind 254 with ExID 0xF989 is TCP Fast Open's
// cookie (RFC 7413's experimental option), skipped like any other option.
Expectation expect_first_toa(const uint8_t *opts, size_t len,
			     uint32_t enabled = TOA_FMT_DEFAULT, bool syn = false);

// What Linux >= 6.7 does before any other option parsing (tcp_do_parse_auth_options,
// called for SYNs in tcp_conn_request and for every segment in tcp_inbound_hash):
// it walks the list like the parser above, but only while at least `minlen` bytes
// are left (18 = TCPOLEN_MD5SIG when the kernel has CONFIG_TCP_MD5SIG but not
// CONFIG_TCP_AO, as Debian's 6.12; 5 with CONFIG_TCP_AO), and a length < 2 or past
// the end met there makes the kernel DROP the segment (as do an MD5 option (19) whose
// length is not 18, an AO option (29) of length <= 4, or two of them). True when
// such a kernel drops a segment with these options. Older kernels drop nothing.
bool linux_drops_options(const uint8_t *opts, size_t len, unsigned minlen = 18);

// ---------------------------------------------------------------------------------
// Packets

namespace tcpflag {
constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
}

// RFC 1071 sum (not folded/complemented) of len bytes, added to `sum`.
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold(uint32_t sum); // ~folded
uint16_t ipv4_header_checksum(const uint8_t *hdr, size_t ihl_bytes);
// TCP checksum over the pseudo header (IPv4 or IPv6) and `tcp` (header + payload),
// computed with the checksum field taken as it is (set it to 0 to compute one;
// a correct segment sums to 0).
uint16_t tcp_checksum(const Addr &src, const Addr &dst, const uint8_t *tcp, size_t len);
// The same for any upper-layer protocol (IPPROTO_UDP, ...).
uint16_t l4_checksum(const Addr &src, const Addr &dst, uint8_t proto, const uint8_t *l4,
		     size_t len);

struct Segment {
	Addr src, dst;
	uint16_t sport = 0, dport = 0;
	uint32_t seq = 0, ack = 0;
	uint8_t flags = 0;
	uint16_t window = 0;
	const uint8_t *opts = nullptr;
	size_t optlen = 0;
	const uint8_t *payload = nullptr;
	size_t paylen = 0;
};

constexpr size_t kMaxPacket = 65536;

// Builds an IPv4 (DF, TTL 64) or IPv6 (hop limit 64) packet with a TCP segment into
// buf (at least 60 + 60 + paylen bytes). Returns the packet length, 0 on error.
size_t build_packet(uint8_t *buf, size_t bufsize, const Segment &s, uint16_t ip_id = 0);

enum class ParseResult : uint8_t { Ok, NotTcp, Bad, BadChecksum };
// Parses an IPv4/IPv6 TCP packet (as read from a TUN with IFF_NO_PI). Pointers in
// `out` point into `p`.
ParseResult parse_packet(const uint8_t *p, size_t n, Segment &out, bool verify_csum = true);

// Standard options seen in a segment.
struct PeerOpts {
	bool mss = false;
	uint16_t mss_value = 0;
	bool sack_perm = false;
	bool ts = false;
	uint32_t tsval = 0, tsecr = 0;
	int wscale = -1;
};
PeerOpts parse_peer_options(const uint8_t *opts, size_t len);

std::string hex(const uint8_t *p, size_t n);
std::string hex(std::string_view s);
std::optional<std::vector<uint8_t>> unhex(std::string_view s); // spaces, ':' ignored

// ---------------------------------------------------------------------------------
// TUN device

struct TunConfig {
	std::string name = "toa0";
	bool persist = false;    // TUNSETPERSIST: the device outlives the fd
	bool configure = true;   // link up, addresses, routes, sysctls
	int mtu = 1500;
	// Local (server) addresses put on the TUN device: the kernel delivers packets
	// written into the TUN to them.
	std::vector<Prefix> addrs;
	// Routed into the TUN: where the load balancers and clients live.
	std::vector<Prefix> routes;
	bool lo_up = true;       // bring lo up as well (IPv6 local delivery needs it)
	bool sysctls = true;     // rp_filter=0, accept_local=1, accept_dad=0, ...
	TunConfig();             // fills the default addressing plan (see default_*)
};
std::vector<Prefix> default_server_addrs(); // 192.0.2.1/32, 2001:db8::1/128
std::vector<Prefix> default_routes();       // 198.51.100.0/24, 203.0.113.0/24,
                                            // 2001:db8:ff::/48, 2001:db8:c::/48

class Tun {
public:
	Tun() = default;
	~Tun();
	Tun(const Tun &) = delete;
	Tun &operator=(const Tun &) = delete;

	bool open(const TunConfig &cfg, std::string *err);
	void close();
	int fd() const { return fd_; }
	int ifindex() const { return ifindex_; }
	const std::string &name() const { return name_; }
	// Non-blocking; -1 with errno EAGAIN when nothing is there.
	ssize_t read(uint8_t *buf, size_t n);
	ssize_t write(const uint8_t *buf, size_t n);
	// Removes a persistent device.
	static bool destroy(const std::string &name, std::string *err);
	// Writes a /proc/sys value ("net/ipv4/tcp_syncookies", the same with /proc/sys/
	// in front, or "net.ipv4.tcp_syncookies"); false if it could not.
	static bool sysctl(const std::string &path, const std::string &value);

private:
	int fd_ = -1;
	int ifindex_ = 0;
	std::string name_;
};

// ---------------------------------------------------------------------------------
// Connections

enum Position : unsigned {
	kAtSyn = 1u << 0,
	kAtAck = 1u << 1,
	kAtData = 1u << 2,
};
std::optional<unsigned> parse_positions(std::string_view s); // "syn,ack,data"
std::string positions_str(unsigned p);

enum class State : uint8_t {
	Idle, SynSent, Established, FinWait1, FinWait2, Closing, CloseWait, LastAck,
	Closed, // both FINs exchanged and acknowledged (or we reset)
	Reset,  // the peer sent RST
	Failed, // retransmissions exhausted, or an encoding error
};
const char *state_name(State s);

struct ConnConfig {
	Endpoint lb;     // source: the load balancer's SNAT address; port 0 = allocated
	Endpoint server; // destination
	TcpOptions tcp;
	OptionList syn_opts;  // option items of the SYN
	OptionList ack_opts;  // ... of the handshake ACK
	OptionList data_opts; // ... of the first data segment
	// false: no pure ACK; the first data segment (or the FIN) completes the handshake.
	bool pure_ack = true;
	int rto_ms = 250;     // initial retransmission timeout (doubles)
	int max_retries = 7;
	uint32_t window = 65535; // advertised window (before scaling)

	// Puts `list` into the lists selected by `positions` (kAt* bits).
	void set_options(const OptionList &list, unsigned positions);
};

struct StackConfig {
	uint16_t port_min = 20000, port_max = 60999; // for ConnConfig::lb.port == 0
	uint64_t seed = 0;        // ISNs and port start; 0: from the clock
	bool rst_unknown = true;  // answer segments for no connection with RST
	bool verify_checksums = true;
	// Called for every TCP segment written (tx) or read (rx); for debugging.
	std::function<void(bool tx, const Segment &s)> trace;
};
// One line describing a segment: "198.51.100.2:20001 > 192.0.2.1:8080 S seq 1 ack 0
// win 65535 opts c808... len 0".
std::string segment_str(const Segment &s);

struct StackStats {
	uint64_t rx_packets = 0, tx_packets = 0;
	uint64_t rx_not_tcp = 0, rx_bad = 0, rx_bad_csum = 0, rx_unknown = 0;
	uint64_t retransmits = 0, rst_sent = 0, write_errors = 0;
};

class Conn;

struct TupleKey {
	uint8_t family;
	uint8_t pad;
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
	bool operator==(const TupleKey &o) const;
};
struct TupleHash {
	size_t operator()(const TupleKey &k) const;
};

// Destroy the Conns of a Stack before the Stack.
class Stack {
public:
	explicit Stack(Tun &tun, StackConfig cfg = {});
	~Stack();
	Stack(const Stack &) = delete;
	Stack &operator=(const Stack &) = delete;

	// Processes what arrived and the timers; waits up to timeout_ms (0: no wait) for
	// a packet or a timer. Returns the number of packets processed.
	int poll(int timeout_ms);
	// Polls until done() is true (true) or timeout_ms passed (false).
	bool run_until(const std::function<bool()> &done, int timeout_ms);

	const StackStats &stats() const { return stats_; }
	uint64_t now_ms() const { return now_ms_; }
	size_t open_conns() const { return conns_.size(); }
	Tun &tun() { return tun_; }

	// --- used by Conn
	uint64_t update_clock();
	uint32_t next_isn();
	uint16_t alloc_port(const Addr &lb, const Endpoint &server);
	bool attach(Conn *c, std::string *err);
	void detach(Conn *c);
	bool transmit(const Segment &s);
	void note_deadline(uint64_t deadline_ms);
	void want_ack(Conn *c);

private:
	void dispatch(const uint8_t *p, size_t n);
	void run_timers();
	void flush_acks();
	int next_timeout(int cap_ms);

	Tun &tun_;
	StackConfig cfg_;
	StackStats stats_;
	uint64_t now_ms_ = 0;
	uint64_t min_deadline_ = 0; // earliest timer of a connection (0: none)
	uint64_t rng_;
	uint16_t ip_id_ = 1;
	uint32_t next_port_;
	std::unordered_map<TupleKey, Conn *, TupleHash> conns_;
	std::vector<Conn *> list_; // same conns, for timers and ACK flushing
	std::vector<Conn *> ack_pending_;
	std::unique_ptr<uint8_t[]> rxbuf_, txbuf_;
	friend class Conn;
};

// What went out in the option-carrying packets, for expectations.
struct SentOptions {
	bool sent = false;
	EncodedOptions opts;
};

class Conn {
public:
	Conn(Stack &st, ConnConfig cfg);
	~Conn(); // detaches; sends nothing (call close_rst() first to reset)
	Conn(const Conn &) = delete;
	Conn &operator=(const Conn &) = delete;

	// Non-blocking steps, progressed by Stack::poll():
	bool start();                   // sends the SYN
	bool send(std::string_view data, const OptionList *first_seg_opts = nullptr);
	void shutdown();                // FIN after the queued data
	void reset();                   // RST now; state Closed

	// Blocking helpers (they poll the stack, so other connections progress too):
	bool connect(int timeout_ms);   // start() and wait for the SYN-ACK
	bool wait_acked(int timeout_ms); // all data (and FIN) acknowledged
	// Waits until rx() holds at least n bytes (or the peer closed/reset, or the time
	// is up), then appends everything received to `out` and clears rx(). True when
	// at least n bytes were appended.
	bool recv(std::string &out, size_t n, int timeout_ms);
	// FIN, wait for its ACK and (wait_peer_fin) the peer's FIN.
	bool close_fin(int timeout_ms, bool wait_peer_fin = true);
	void close_rst() { reset(); }

	State state() const { return state_; }
	bool established() const;   // SYN-ACK received, not yet closed
	bool peer_fin() const { return peer_fin_; }
	bool all_acked() const;     // queued data (and a queued FIN) acknowledged
	bool finished() const;      // Closed, Reset or Failed
	std::string &rx() { return rx_; }
	const Endpoint &lb() const { return cfg_.lb; }
	const Endpoint &server() const { return cfg_.server; }
	const ConnConfig &config() const { return cfg_; }
	const std::string &error() const { return err_; }
	const SentOptions &sent_syn() const { return sent_syn_; }
	const SentOptions &sent_ack() const { return sent_ack_; }
	const SentOptions &sent_data() const { return sent_data_; }
	// The packet that completed the handshake from the server's view: kAtAck (the
	// pure ACK), kAtData (first data segment), 0 (the FIN, or not yet).
	unsigned completed_by() const { return completed_by_; }
	uint32_t retransmits() const { return retransmits_; }

	// --- used by Stack
	void on_segment(const Segment &s);
	void on_timer(uint64_t now);
	uint64_t deadline() const { return deadline_; }
	void flush_ack();
	TupleKey key() const;

private:
	bool send_syn();
	void send_handshake_ack();
	void send_ack(uint8_t extra_flags = 0);
	void transmit_pending();
	bool xmit(uint32_t seq, uint8_t flags, const uint8_t *payload, size_t len,
		  const OptionList *list, SentOptions *record);
	void fail(const std::string &why);
	void arm(bool restart);
	void update_state();
	uint32_t tsval() const;

	Stack &st_;
	ConnConfig cfg_;
	bool attached_ = false;
	bool ack_queued_ = false;
	size_t list_idx_ = 0;
	State state_ = State::Idle;
	std::string err_;
	// send side
	uint32_t iss_ = 0, snd_una_ = 0, snd_nxt_ = 0, snd_max_ = 0;
	std::string sndbuf_; // sndbuf_[snd_off_] is the byte at snd_una_
	size_t snd_off_ = 0;
	bool fin_queued_ = false, fin_sent_ = false, fin_acked_ = false;
	uint32_t fin_seq_ = 0;
	uint32_t peer_wnd_ = 65535;
	int peer_wscale_ = -1;
	uint16_t peer_mss_ = 536;
	bool ts_on_ = false, sack_on_ = false;
	uint32_t ts_recent_ = 0;
	int my_wscale_ = -1;
	const OptionList *first_data_opts_ = nullptr;
	OptionList first_data_override_;
	bool hs_completed_ = false; // we sent the packet that completes the handshake
	unsigned completed_by_ = 0;
	// receive side
	uint32_t irs_ = 0, rcv_nxt_ = 0;
	bool peer_fin_ = false;
	bool peer_fin_first_ = false;
	std::string rx_;
	bool ack_needed_ = false;
	// timers
	uint64_t deadline_ = 0; // 0: no timer
	int rto_ = 0;
	int retries_ = 0;
	uint32_t retransmits_ = 0;
	SentOptions sent_syn_, sent_ack_, sent_data_;
	friend class Stack;
};

// ---------------------------------------------------------------------------------
// Random option lists

// splitmix64: the same sequence on every platform.
class Rng {
public:
	explicit Rng(uint64_t seed) : s_(seed) {}
	uint64_t next();
	uint32_t below(uint32_t n); // [0, n)
	bool chance(unsigned percent) { return below(100) < percent; }

private:
	uint64_t s_;
};

struct RandomConfig {
	bool multi = false;  // options on any combination of SYN/ACK/data (else one)
	unsigned positions = kAtSyn | kAtAck | kAtData; // allowed positions
	// Draw again lists that linux_drops_options(.., minlen) rejects, so that every
	// connection completes on Linux >= 6.7 too (18: Debian's 6.12; 5: kernels with
	// CONFIG_TCP_AO; 0: allow them).
	unsigned kernel_minlen = 18;
	// Also draw again lists that a kernel with minlen unsure_lo drops and one with
	// unsure_hi does not (0: none): where the exact threshold is not known.
	unsigned unsure_lo = 0, unsure_hi = 0;
};

struct RandomCase {
	unsigned positions = 0; // where the random lists go
	bool pure_ack = true;   // false when data must complete the handshake
	TcpOptions tcp;
	bool stack_first = true;
	OptionList syn, ack, data; // the lists for ConnConfig (Stack item included)
	std::vector<uint8_t> syn_raw, ack_raw, data_raw; // the random bytes alone
};
RandomCase random_case(Rng &rng, const RandomConfig &cfg);
// Applies a case to a connection config.
void apply_case(const RandomCase &rc, ConnConfig &cc);

// The expectation of a connection: per packet, and overall = the one of the packet
// that completed the handshake when it found a TOA (the load balancer's word), else,
// when the receiver reads SYNs too (`read_syn`, the module's syn parameter), the SYN's.
// `completes` names the packet that completed the handshake on the receiver's side when
// it differs from the simulator's own view (kAtData: the receiver dropped the ACK); 0 for
// c.completed_by().
struct ConnExpectation {
	std::optional<Expectation> syn, ack, data; // for the packets that were sent
	Expectation overall;
	bool from_syn = false; // overall is the SYN's
};
ConnExpectation expect_conn(const Conn &c, uint32_t enabled = TOA_FMT_DEFAULT,
			    bool read_syn = false, unsigned completes = 0);

} // namespace toa::lbsim

#endif
