// SPDX-License-Identifier: MIT
//
// Stack (TUN I/O, dispatch, timers) and Conn (the client side of one TCP connection).
#include "lbsim.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace toa::lbsim {

namespace {

inline bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool seq_le(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }
inline bool seq_gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

uint64_t mono_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

uint64_t splitmix(uint64_t &s)
{
	uint64_t z = (s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

const OptionList kNoOptions;

constexpr int kMaxRtoMs = 3000;
constexpr size_t kTunMtu = 1500;

} // namespace

std::string segment_str(const Segment &s)
{
	std::string f;
	if (s.flags & tcpflag::SYN)
		f += 'S';
	if (s.flags & tcpflag::FIN)
		f += 'F';
	if (s.flags & tcpflag::RST)
		f += 'R';
	if (s.flags & tcpflag::PSH)
		f += 'P';
	if (s.flags & tcpflag::ACK)
		f += '.';
	Endpoint a{s.src, s.sport}, b{s.dst, s.dport};
	return a.str() + " > " + b.str() + " " + f + " seq " + std::to_string(s.seq) + " ack " +
	       std::to_string(s.ack) + " win " + std::to_string(s.window) + " opts " +
	       (s.optlen ? hex(s.opts, s.optlen) : "-") + " len " + std::to_string(s.paylen);
}

const char *state_name(State s)
{
	switch (s) {
	case State::Idle: return "idle";
	case State::SynSent: return "syn-sent";
	case State::Established: return "established";
	case State::FinWait1: return "fin-wait-1";
	case State::FinWait2: return "fin-wait-2";
	case State::Closing: return "closing";
	case State::CloseWait: return "close-wait";
	case State::LastAck: return "last-ack";
	case State::Closed: return "closed";
	case State::Reset: return "reset";
	case State::Failed: return "failed";
	}
	return "?";
}

void ConnConfig::set_options(const OptionList &list, unsigned positions)
{
	if (positions & kAtSyn)
		syn_opts = list;
	if (positions & kAtAck)
		ack_opts = list;
	if (positions & kAtData)
		data_opts = list;
}

bool TupleKey::operator==(const TupleKey &o) const
{
	return family == o.family && lport == o.lport && rport == o.rport &&
	       memcmp(laddr, o.laddr, 16) == 0 && memcmp(raddr, o.raddr, 16) == 0;
}

size_t TupleHash::operator()(const TupleKey &k) const
{
	uint64_t h = 1469598103934665603ull;
	auto mix = [&h](const uint8_t *p, size_t n) {
		for (size_t i = 0; i < n; i++)
			h = (h ^ p[i]) * 1099511628211ull;
	};
	mix(k.laddr, 16);
	mix(k.raddr, 16);
	uint8_t ports[5] = {static_cast<uint8_t>(k.lport >> 8), static_cast<uint8_t>(k.lport),
			    static_cast<uint8_t>(k.rport >> 8), static_cast<uint8_t>(k.rport),
			    k.family};
	mix(ports, 5);
	return static_cast<size_t>(h);
}

static TupleKey make_key(const Addr &la, uint16_t lp, const Addr &ra, uint16_t rp)
{
	TupleKey k{};
	k.family = la.family;
	k.lport = lp;
	k.rport = rp;
	memcpy(k.laddr, la.b, 16);
	memcpy(k.raddr, ra.b, 16);
	return k;
}

// ---------------------------------------------------------------------------------
// Stack

Stack::Stack(Tun &tun, StackConfig cfg)
    : tun_(tun), cfg_(cfg), rxbuf_(new uint8_t[kMaxPacket]), txbuf_(new uint8_t[kMaxPacket])
{
	rng_ = cfg_.seed ? cfg_.seed : mono_ns() ^ (static_cast<uint64_t>(getpid()) << 32);
	if (cfg_.port_max < cfg_.port_min)
		std::swap(cfg_.port_min, cfg_.port_max);
	uint32_t range = cfg_.port_max - cfg_.port_min + 1u;
	next_port_ = cfg_.port_min + static_cast<uint32_t>(splitmix(rng_) % range);
	conns_.reserve(1024);
	list_.reserve(1024);
	ack_pending_.reserve(256);
	update_clock();
}

Stack::~Stack()
{
	for (Conn *c : list_)
		c->attached_ = false;
}

uint64_t Stack::update_clock()
{
	now_ms_ = mono_ns() / 1000000ull;
	return now_ms_;
}

uint32_t Stack::next_isn()
{
	// A clock of 64 ns ticks (as Linux) plus a little noise: increasing across runs
	// in one boot, so a reused 4-tuple is accepted by a server socket in TIME-WAIT.
	return static_cast<uint32_t>(mono_ns() >> 6) + static_cast<uint32_t>(splitmix(rng_) & 0xff);
}

uint16_t Stack::alloc_port(const Addr &lb, const Endpoint &server)
{
	uint32_t range = cfg_.port_max - cfg_.port_min + 1u;
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = static_cast<uint16_t>(next_port_);
		next_port_ = next_port_ >= cfg_.port_max ? cfg_.port_min : next_port_ + 1;
		if (!conns_.count(make_key(lb, p, server.addr, server.port)))
			return p;
	}
	return 0;
}

bool Stack::attach(Conn *c, std::string *err)
{
	TupleKey k = c->key();
	auto res = conns_.emplace(k, c);
	if (!res.second) {
		*err = "4-tuple already in use: " + c->lb().str() + " -> " + c->server().str();
		return false;
	}
	c->list_idx_ = list_.size();
	list_.push_back(c);
	c->attached_ = true;
	return true;
}

void Stack::detach(Conn *c)
{
	if (!c->attached_)
		return;
	conns_.erase(c->key());
	size_t i = c->list_idx_;
	if (i < list_.size() && list_[i] == c) {
		list_[i] = list_.back();
		list_[i]->list_idx_ = i;
		list_.pop_back();
	}
	auto it = std::find(ack_pending_.begin(), ack_pending_.end(), c);
	if (it != ack_pending_.end())
		ack_pending_.erase(it);
	c->attached_ = false;
}

bool Stack::transmit(const Segment &s)
{
	if (cfg_.trace)
		cfg_.trace(true, s);
	size_t n = build_packet(txbuf_.get(), kMaxPacket, s, ip_id_++);
	if (!n) {
		stats_.write_errors++;
		return false;
	}
	for (int tries = 0; tries < 100; tries++) {
		ssize_t w = tun_.write(txbuf_.get(), n);
		if (w == static_cast<ssize_t>(n)) {
			stats_.tx_packets++;
			return true;
		}
		if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOBUFS))
			continue;
		break;
	}
	stats_.write_errors++;
	return false;
}

void Stack::dispatch(const uint8_t *p, size_t n)
{
	Segment s;
	switch (parse_packet(p, n, s, cfg_.verify_checksums)) {
	case ParseResult::Ok:
		break;
	case ParseResult::NotTcp:
		stats_.rx_not_tcp++;
		return;
	case ParseResult::Bad:
		stats_.rx_bad++;
		return;
	case ParseResult::BadChecksum:
		stats_.rx_bad_csum++;
		return;
	}
	if (cfg_.trace)
		cfg_.trace(false, s);
	auto it = conns_.find(make_key(s.dst, s.dport, s.src, s.sport));
	if (it != conns_.end()) {
		it->second->on_segment(s);
		return;
	}
	stats_.rx_unknown++;
	if (!cfg_.rst_unknown || (s.flags & tcpflag::RST))
		return;
	Segment r;
	r.src = s.dst;
	r.dst = s.src;
	r.sport = s.dport;
	r.dport = s.sport;
	if (s.flags & tcpflag::ACK) {
		r.seq = s.ack;
		r.flags = tcpflag::RST;
	} else {
		r.ack = s.seq + static_cast<uint32_t>(s.paylen) + ((s.flags & tcpflag::SYN) ? 1 : 0) +
			((s.flags & tcpflag::FIN) ? 1 : 0);
		r.flags = tcpflag::RST | tcpflag::ACK;
	}
	if (transmit(r))
		stats_.rst_sent++;
}

void Stack::run_timers()
{
	if (!min_deadline_ || now_ms_ < min_deadline_)
		return;
	uint64_t next = 0;
	// on_timer() never attaches or detaches, so indexes stay valid
	for (size_t i = 0; i < list_.size(); i++) {
		Conn *c = list_[i];
		if (c->deadline_ && c->deadline_ <= now_ms_)
			c->on_timer(now_ms_);
		if (c->deadline_ && (!next || c->deadline_ < next))
			next = c->deadline_;
	}
	min_deadline_ = next;
}

void Stack::note_deadline(uint64_t d)
{
	if (d && (!min_deadline_ || d < min_deadline_))
		min_deadline_ = d;
}

void Stack::flush_acks()
{
	// flush_ack() may not attach/detach either
	for (size_t i = 0; i < ack_pending_.size(); i++)
		ack_pending_[i]->flush_ack();
	ack_pending_.clear();
}

void Stack::want_ack(Conn *c)
{
	if (!c->ack_queued_) {
		c->ack_queued_ = true;
		ack_pending_.push_back(c);
	}
}

int Stack::next_timeout(int cap_ms)
{
	if (!min_deadline_)
		return cap_ms;
	if (min_deadline_ <= now_ms_)
		return 0;
	uint64_t d = min_deadline_ - now_ms_;
	if (cap_ms >= 0 && d > static_cast<uint64_t>(cap_ms))
		return cap_ms;
	return static_cast<int>(d);
}

int Stack::poll(int timeout_ms)
{
	update_clock();
	int wait = next_timeout(timeout_ms < 0 ? 0 : timeout_ms);
	int processed = 0;
	if (wait > 0) {
		struct pollfd pfd = {tun_.fd(), POLLIN, 0};
		int r = ::poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return -1;
	}
	for (;;) {
		ssize_t n = tun_.read(rxbuf_.get(), kMaxPacket);
		if (n <= 0)
			break;
		stats_.rx_packets++;
		processed++;
		dispatch(rxbuf_.get(), static_cast<size_t>(n));
		if (processed >= 512) // let timers and ACKs run on a flood
			break;
	}
	update_clock();
	flush_acks();
	run_timers();
	return processed;
}

bool Stack::run_until(const std::function<bool()> &done, int timeout_ms)
{
	uint64_t end = update_clock() + static_cast<uint64_t>(timeout_ms < 0 ? 0 : timeout_ms);
	for (;;) {
		if (done())
			return true;
		if (now_ms_ >= end)
			return false;
		if (poll(static_cast<int>(end - now_ms_)) < 0)
			return done();
	}
}

// ---------------------------------------------------------------------------------
// Conn

Conn::Conn(Stack &st, ConnConfig cfg) : st_(st), cfg_(std::move(cfg)) {}

Conn::~Conn() { st_.detach(this); }

TupleKey Conn::key() const
{
	return make_key(cfg_.lb.addr, cfg_.lb.port, cfg_.server.addr, cfg_.server.port);
}

bool Conn::established() const
{
	switch (state_) {
	case State::Established:
	case State::FinWait1:
	case State::FinWait2:
	case State::Closing:
	case State::CloseWait:
	case State::LastAck:
		return true;
	default:
		return false;
	}
}

bool Conn::finished() const
{
	return state_ == State::Closed || state_ == State::Reset || state_ == State::Failed;
}

uint32_t Conn::tsval() const { return static_cast<uint32_t>(st_.now_ms()); }

void Conn::fail(const std::string &why)
{
	if (err_.empty())
		err_ = why;
	state_ = State::Failed;
	deadline_ = 0;
}

void Conn::arm(bool restart)
{
	if (restart || !deadline_) {
		if (!rto_)
			rto_ = cfg_.rto_ms > 0 ? cfg_.rto_ms : 250;
		deadline_ = st_.now_ms() + static_cast<uint64_t>(rto_);
		st_.note_deadline(deadline_);
	}
}

bool Conn::start()
{
	if (state_ != State::Idle) {
		err_ = "already started";
		return false;
	}
	if (cfg_.lb.addr.empty() || cfg_.server.addr.empty() ||
	    cfg_.lb.addr.family != cfg_.server.addr.family) {
		fail("load balancer and server addresses must be set and of one family");
		return false;
	}
	if (!cfg_.server.port) {
		fail("server port missing");
		return false;
	}
	st_.update_clock();
	if (!cfg_.lb.port) {
		cfg_.lb.port = st_.alloc_port(cfg_.lb.addr, cfg_.server);
		if (!cfg_.lb.port) {
			fail("no free source port");
			return false;
		}
	}
	std::string err;
	if (!st_.attach(this, &err)) {
		fail(err);
		return false;
	}
	iss_ = st_.next_isn();
	snd_una_ = iss_;
	snd_nxt_ = iss_ + 1;
	snd_max_ = snd_nxt_;
	rto_ = cfg_.rto_ms > 0 ? cfg_.rto_ms : 250;
	state_ = State::SynSent;
	if (!send_syn())
		return false;
	arm(true);
	return true;
}

bool Conn::send_syn()
{
	StackOpts so;
	so.syn = true;
	so.mss = cfg_.tcp.mss;
	so.mss_value = cfg_.tcp.mss_value ? cfg_.tcp.mss_value
					  : static_cast<uint16_t>(cfg_.lb.addr.is_v4() ? 1460 : 1440);
	so.sack_perm = cfg_.tcp.sack;
	so.ts = cfg_.tcp.timestamps;
	so.tsval = tsval();
	so.tsecr = 0;
	so.wscale = cfg_.tcp.wscale > 14 ? 14 : cfg_.tcp.wscale;
	EncodedOptions enc;
	std::string err;
	if (!encode_options(cfg_.syn_opts, so, cfg_.tcp.auto_fit, enc, &err)) {
		fail("SYN options: " + err);
		return false;
	}
	my_wscale_ = enc.used.wscale;
	sent_syn_.sent = true;
	sent_syn_.opts = enc;
	Segment s;
	s.src = cfg_.lb.addr;
	s.dst = cfg_.server.addr;
	s.sport = cfg_.lb.port;
	s.dport = cfg_.server.port;
	s.seq = iss_;
	s.flags = tcpflag::SYN;
	s.window = static_cast<uint16_t>(cfg_.window > 65535 ? 65535 : cfg_.window);
	s.opts = enc.bytes;
	s.optlen = enc.len;
	st_.transmit(s);
	return true;
}

bool Conn::xmit(uint32_t seq, uint8_t flags, const uint8_t *payload, size_t len,
		const OptionList *list, SentOptions *record)
{
	StackOpts so;
	so.ts = ts_on_;
	so.tsval = tsval();
	so.tsecr = ts_recent_;
	EncodedOptions enc;
	std::string err;
	if (!encode_options(list ? *list : kNoOptions, so, cfg_.tcp.auto_fit, enc, &err)) {
		fail("options: " + err);
		return false;
	}
	if (record) {
		record->sent = true;
		record->opts = enc;
	}
	Segment s;
	s.src = cfg_.lb.addr;
	s.dst = cfg_.server.addr;
	s.sport = cfg_.lb.port;
	s.dport = cfg_.server.port;
	s.seq = seq;
	s.flags = flags;
	if (flags & tcpflag::ACK) {
		s.ack = rcv_nxt_;
		ack_needed_ = false;
	}
	uint32_t wnd = cfg_.window;
	if (my_wscale_ > 0 && peer_wscale_ >= 0)
		wnd >>= my_wscale_;
	s.window = static_cast<uint16_t>(wnd > 65535 ? 65535 : wnd);
	s.opts = enc.bytes;
	s.optlen = enc.len;
	s.payload = payload;
	s.paylen = len;
	st_.transmit(s);
	return true;
}

void Conn::send_handshake_ack()
{
	if (xmit(snd_nxt_, tcpflag::ACK, nullptr, 0, &cfg_.ack_opts, &sent_ack_)) {
		hs_completed_ = true;
		completed_by_ = kAtAck;
	}
}

void Conn::send_ack(uint8_t extra_flags)
{
	xmit(snd_nxt_, tcpflag::ACK | extra_flags, nullptr, 0, nullptr, nullptr);
}

void Conn::flush_ack()
{
	ack_queued_ = false;
	if (ack_needed_ && attached_ && state_ != State::Failed && state_ != State::Reset)
		send_ack();
}

bool Conn::send(std::string_view data, const OptionList *first_seg_opts)
{
	if (finished() || fin_queued_) {
		err_ = "send on a closed connection";
		return false;
	}
	if (first_seg_opts && snd_max_ == iss_ + 1 && sndbuf_.size() == snd_off_) {
		first_data_override_ = *first_seg_opts;
		first_data_opts_ = &first_data_override_;
	}
	sndbuf_.append(data.data(), data.size());
	st_.update_clock();
	transmit_pending();
	return state_ != State::Failed;
}

void Conn::shutdown()
{
	if (fin_queued_ || finished() || state_ == State::Idle)
		return;
	fin_queued_ = true;
	st_.update_clock();
	transmit_pending();
}

void Conn::reset()
{
	if (attached_ && state_ != State::Idle && !finished()) {
		if (state_ == State::SynSent)
			xmit(snd_nxt_, tcpflag::RST, nullptr, 0, nullptr, nullptr);
		else
			xmit(snd_nxt_, tcpflag::RST | tcpflag::ACK, nullptr, 0, nullptr, nullptr);
	}
	if (state_ != State::Failed)
		state_ = State::Closed;
	deadline_ = 0;
}

void Conn::transmit_pending()
{
	if (!established() || state_ == State::Failed)
		return;
	const size_t iphl = cfg_.lb.addr.is_v4() ? 20 : 40;
	size_t seg_max = kTunMtu - iphl - 20 - kMaxOptLen;
	if (peer_mss_ && peer_mss_ < seg_max)
		seg_max = peer_mss_;
	const size_t avail = sndbuf_.size() - snd_off_;
	const uint32_t data_end = snd_una_ + static_cast<uint32_t>(avail);
	bool sent = false;
	while (seq_lt(snd_nxt_, data_end)) {
		uint32_t off = snd_nxt_ - snd_una_;
		size_t len = std::min<size_t>(avail - off, seg_max);
		uint32_t inflight = snd_nxt_ - snd_una_;
		if (inflight && inflight + len > peer_wnd_)
			break;
		const OptionList *opts = nullptr;
		SentOptions *rec = nullptr;
		if (snd_nxt_ == iss_ + 1) {
			opts = first_data_opts_ ? first_data_opts_ : &cfg_.data_opts;
			rec = &sent_data_;
		}
		uint8_t flags = tcpflag::ACK;
		if (off + len == avail)
			flags |= tcpflag::PSH;
		if (!xmit(snd_nxt_, flags,
			  reinterpret_cast<const uint8_t *>(sndbuf_.data()) + snd_off_ + off, len,
			  opts, rec))
			return;
		if (!hs_completed_) {
			hs_completed_ = true;
			completed_by_ = kAtData;
		}
		snd_nxt_ += static_cast<uint32_t>(len);
		if (seq_gt(snd_nxt_, snd_max_))
			snd_max_ = snd_nxt_;
		sent = true;
	}
	if (fin_queued_ && !fin_sent_ && snd_nxt_ == data_end) {
		fin_seq_ = snd_nxt_;
		if (!xmit(snd_nxt_, tcpflag::FIN | tcpflag::ACK, nullptr, 0, nullptr, nullptr))
			return;
		hs_completed_ = true;
		fin_sent_ = true;
		snd_nxt_++;
		if (seq_gt(snd_nxt_, snd_max_))
			snd_max_ = snd_nxt_;
		sent = true;
		update_state();
	}
	if (sent)
		arm(false);
}

void Conn::update_state()
{
	if (state_ == State::Failed || state_ == State::Reset || state_ == State::Closed ||
	    state_ == State::Idle || state_ == State::SynSent)
		return;
	if (!fin_sent_)
		state_ = peer_fin_ ? State::CloseWait : State::Established;
	else if (!fin_acked_)
		state_ = peer_fin_ ? (peer_fin_first_ ? State::LastAck : State::Closing)
				   : State::FinWait1;
	else
		state_ = peer_fin_ ? State::Closed : State::FinWait2;
	if (state_ == State::Closed)
		deadline_ = 0;
}

void Conn::on_segment(const Segment &s)
{
	using namespace tcpflag;
	if (state_ == State::Idle || state_ == State::Failed || state_ == State::Reset)
		return;
	if (s.flags & RST) {
		if (state_ == State::SynSent) {
			if (!(s.flags & ACK) || s.ack != iss_ + 1)
				return;
		} else if (s.seq != rcv_nxt_ &&
			   !(seq_gt(s.seq, rcv_nxt_) && seq_lt(s.seq, rcv_nxt_ + (1u << 20)))) {
			return;
		}
		if (state_ != State::Closed) {
			state_ = State::Reset;
			if (err_.empty())
				err_ = "reset by the server";
		}
		deadline_ = 0;
		return;
	}

	if (state_ == State::SynSent) {
		if ((s.flags & (SYN | ACK)) != (SYN | ACK))
			return;
		if (s.ack != iss_ + 1) {
			xmit(s.ack, RST, nullptr, 0, nullptr, nullptr);
			return;
		}
		PeerOpts po = parse_peer_options(s.opts, s.optlen);
		irs_ = s.seq;
		rcv_nxt_ = irs_ + 1;
		snd_una_ = iss_ + 1;
		peer_mss_ = po.mss ? po.mss_value : 536;
		if (po.wscale >= 0 && sent_syn_.opts.used.wscale >= 0) {
			peer_wscale_ = po.wscale;
		} else {
			peer_wscale_ = -1;
			my_wscale_ = -1;
		}
		ts_on_ = po.ts && sent_syn_.opts.used.ts;
		if (ts_on_)
			ts_recent_ = po.tsval;
		sack_on_ = po.sack_perm && sent_syn_.opts.used.sack_perm;
		peer_wnd_ = s.window; // not scaled on a SYN
		state_ = State::Established;
		retries_ = 0;
		rto_ = cfg_.rto_ms > 0 ? cfg_.rto_ms : 250;
		deadline_ = 0;
		if (cfg_.pure_ack)
			send_handshake_ack();
		transmit_pending();
		return;
	}

	if (s.flags & SYN) {
		// a retransmitted SYN-ACK: our handshake ACK was lost (or dropped by a full
		// accept queue); answer as the first time
		if ((s.flags & ACK) && s.seq == irs_) {
			if (cfg_.pure_ack && !fin_sent_ && snd_max_ == iss_ + 1)
				send_handshake_ack();
			else if (cfg_.pure_ack || snd_max_ != iss_ + 1)
				send_ack();
			// else: no pure ACK by configuration and nothing sent yet: the first data
			// segment completes the handshake, as configured (a plain ACK here would
			// complete it without that segment's options)
		}
		return;
	}
	if (!(s.flags & ACK))
		return;

	// acknowledgment
	if (seq_gt(s.ack, snd_una_) && seq_le(s.ack, snd_max_)) {
		uint32_t acked = s.ack - snd_una_;
		size_t data_acked = std::min<size_t>(acked, sndbuf_.size() - snd_off_);
		snd_off_ += data_acked;
		if (snd_off_ == sndbuf_.size()) {
			sndbuf_.clear();
			snd_off_ = 0;
		} else if (snd_off_ > 65536 && snd_off_ * 2 > sndbuf_.size()) {
			sndbuf_.erase(0, snd_off_);
			snd_off_ = 0;
		}
		if (fin_sent_ && seq_gt(s.ack, fin_seq_))
			fin_acked_ = true;
		snd_una_ = s.ack;
		if (seq_lt(snd_nxt_, snd_una_))
			snd_nxt_ = snd_una_;
		retries_ = 0;
		rto_ = cfg_.rto_ms > 0 ? cfg_.rto_ms : 250;
		if (snd_una_ == snd_max_)
			deadline_ = 0;
		else
			arm(true);
	}
	if (seq_le(snd_una_, s.ack))
		peer_wnd_ = static_cast<uint32_t>(s.window) << (peer_wscale_ > 0 ? peer_wscale_ : 0);

	if (ts_on_) {
		PeerOpts po = parse_peer_options(s.opts, s.optlen);
		if (po.ts && seq_le(s.seq, rcv_nxt_))
			ts_recent_ = po.tsval;
	}

	// data
	if (s.paylen) {
		uint32_t end = s.seq + static_cast<uint32_t>(s.paylen);
		if (!peer_fin_ && seq_le(s.seq, rcv_nxt_) && seq_gt(end, rcv_nxt_)) {
			size_t skip = rcv_nxt_ - s.seq;
			rx_.append(reinterpret_cast<const char *>(s.payload) + skip, s.paylen - skip);
			rcv_nxt_ = end;
		}
		ack_needed_ = true;
	}
	if (s.flags & FIN) {
		uint32_t fin_seq = s.seq + static_cast<uint32_t>(s.paylen);
		if (!peer_fin_ && fin_seq == rcv_nxt_) {
			peer_fin_ = true;
			peer_fin_first_ = !fin_sent_;
			rcv_nxt_++;
		}
		ack_needed_ = true;
	}
	update_state();
	transmit_pending();
	if (ack_needed_)
		st_.want_ack(this);
}

void Conn::on_timer(uint64_t /*now*/)
{
	deadline_ = 0;
	if (finished() || state_ == State::Idle)
		return;
	if (state_ != State::SynSent && snd_una_ == snd_max_)
		return; // nothing outstanding
	if (++retries_ > cfg_.max_retries) {
		fail(state_ == State::SynSent ? "no SYN-ACK (timeout)" : "retransmission timeout");
		return;
	}
	retransmits_++;
	st_.stats_.retransmits++;
	rto_ = std::min(rto_ * 2, kMaxRtoMs);
	if (state_ == State::SynSent) {
		if (!send_syn())
			return;
		arm(true);
		return;
	}
	// go back to the first unacknowledged byte
	snd_nxt_ = snd_una_;
	if (fin_sent_ && !fin_acked_ && seq_le(snd_una_, fin_seq_))
		fin_sent_ = false;
	transmit_pending();
	arm(true);
}

bool Conn::connect(int timeout_ms)
{
	if (state_ == State::Idle && !start())
		return false;
	st_.run_until([this] { return state_ != State::SynSent; }, timeout_ms);
	if (state_ == State::SynSent) {
		err_ = "no SYN-ACK within " + std::to_string(timeout_ms) + " ms";
		return false;
	}
	return established() || state_ == State::Closed;
}

bool Conn::all_acked() const
{
	return sndbuf_.size() == snd_off_ && snd_una_ == snd_max_ && (!fin_queued_ || fin_acked_);
}

bool Conn::wait_acked(int timeout_ms)
{
	st_.run_until([this] { return all_acked() || state_ == State::Reset || state_ == State::Failed; },
		      timeout_ms);
	return all_acked();
}

bool Conn::recv(std::string &out, size_t n, int timeout_ms)
{
	st_.run_until(
		[this, n] { return rx_.size() >= n || peer_fin_ || finished(); }, timeout_ms);
	size_t got = rx_.size();
	out.append(rx_);
	rx_.clear();
	return got >= n;
}

bool Conn::close_fin(int timeout_ms, bool wait_peer_fin)
{
	shutdown();
	auto done = [this, wait_peer_fin] {
		if (state_ == State::Reset || state_ == State::Failed)
			return true;
		return fin_acked_ && (!wait_peer_fin || peer_fin_);
	};
	st_.run_until(done, timeout_ms);
	if (!fin_acked_ && err_.empty() && !finished())
		err_ = "FIN not acknowledged within " + std::to_string(timeout_ms) + " ms";
	else if (wait_peer_fin && !peer_fin_ && err_.empty() && !finished())
		err_ = "no FIN from the server within " + std::to_string(timeout_ms) + " ms";
	return fin_acked_ && (!wait_peer_fin || peer_fin_);
}

} // namespace toa::lbsim
