// SPDX-License-Identifier: MIT
//
// Seeded random option lists and per-connection expectations.
#include "lbsim.hpp"

#include <netinet/in.h>

namespace toa::lbsim {

uint64_t Rng::next()
{
	uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t Rng::below(uint32_t n)
{
	if (n <= 1)
		return 0;
	return static_cast<uint32_t>(next() % n);
}

namespace {

// Kinds that are safe to put anywhere with any content: the kernel ignores them.
// Left out: 0/1 (made on purpose), 2 3 4 5 8 (MSS, WS, SACK, timestamps: they change
// the connection), 19 and 29 (MD5 / TCP-AO: the kernel drops the segment), 30 (MPTCP),
// 34 (Fast Open), and the TOA kinds (made on purpose).
bool safe_other_kind(uint8_t k)
{
	switch (k) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 8:
	case 19: case 29: case 30: case 34:
	case 28: case 200: case 249: case 253: case 254:
		return false;
	default:
		return true;
	}
}

uint8_t other_kind(Rng &r)
{
	for (;;) {
		uint8_t k = static_cast<uint8_t>(r.below(256));
		if (safe_other_kind(k))
			return k;
	}
}

const uint8_t kToaKinds[] = {254, 253, 200, 249, 28};

uint16_t random_port(Rng &r)
{
	for (;;) {
		uint16_t p = static_cast<uint16_t>(1 + r.below(65535));
		if (p != 0xf989) // the Fast Open experimental magic after kind 254
			return p;
	}
}

void put_valid_toa(Rng &r, std::vector<uint8_t> &out, const FormatInfo &fi)
{
	out.push_back(fi.kind);
	out.push_back(fi.len);
	if (fi.has_port) {
		uint16_t p = random_port(r);
		out.push_back(static_cast<uint8_t>(p >> 8));
		out.push_back(static_cast<uint8_t>(p));
	} else {
		out.push_back(r.chance(85) ? 1 : static_cast<uint8_t>(r.below(256)));
	}
	size_t alen = fi.family == AF_INET ? 4 : 16;
	if (fi.family == AF_INET && r.chance(50)) {
		// 203.0.113.x mostly, readable in logs
		out.push_back(203);
		out.push_back(0);
		out.push_back(113);
		out.push_back(static_cast<uint8_t>(r.below(256)));
	} else if (fi.family == AF_INET6 && r.chance(50)) {
		static const uint8_t pfx[] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0c};
		out.insert(out.end(), pfx, pfx + 6);
		for (size_t i = 6; i < 16; i++)
			out.push_back(static_cast<uint8_t>(r.below(256)));
	} else {
		for (size_t i = 0; i < alen; i++)
			out.push_back(static_cast<uint8_t>(r.below(256)));
	}
	if (fi.format == Format::F249_40)
		for (int i = 0; i < 20; i++)
			out.push_back(static_cast<uint8_t>(r.below(256)));
}

// One random option list of at most `budget` bytes.
std::vector<uint8_t> gen_list(Rng &r, size_t budget)
{
	std::vector<uint8_t> out;
	unsigned items = 1 + r.below(4);
	for (unsigned it = 0; it < items; it++) {
		size_t room = budget - out.size();
		if (room == 0)
			break;
		uint32_t pick = r.below(100);
		if (pick < 40) { // a valid TOA of any format, enabled or not
			const FormatInfo &fi = format_info(static_cast<Format>(r.below(kFormatCount)));
			if (fi.len <= room)
				put_valid_toa(r, out, fi);
			else if (room >= 8)
				put_valid_toa(r, out, format_info(Format::F200_8));
		} else if (pick < 50) {
			// A TOA kind with a length of no format: a malformed TOA that stops the
			// walk when a format of that kind is enabled, an unknown option (skipped)
			// otherwise; kind 28 is half the time 28/4 (RFC 5482 User Timeout), never
			// a TOA.
			if (room < 2)
				continue;
			uint8_t kind = kToaKinds[r.below(sizeof(kToaKinds))];
			size_t maxlen = room < 40 ? room : 40;
			uint8_t len = static_cast<uint8_t>(2 + r.below(static_cast<uint32_t>(maxlen - 1)));
			if (kind == 28 && room >= 4 && r.chance(50))
				len = 4;
			if (format_by_kind_len(kind, len))
				len = static_cast<uint8_t>(len > 2 ? len - 1 : len + 1);
			if (len > room || format_by_kind_len(kind, len))
				continue;
			out.push_back(kind);
			out.push_back(len);
			for (unsigned i = 2; i < len; i++)
				out.push_back(static_cast<uint8_t>(r.below(256)));
			if (kind == 254 && len >= 4 && out[out.size() - len + 2] == 0xf9 &&
			    out[out.size() - len + 3] == 0x89)
				out[out.size() - len + 2] = 0;
		} else if (pick < 60) { // NOPs
			unsigned n = 1 + r.below(3);
			for (unsigned i = 0; i < n && out.size() < budget; i++)
				out.push_back(1);
		} else if (pick < 63) { // EOL
			out.push_back(0);
		} else if (pick < 77) { // some other option
			if (room < 2)
				continue;
			size_t maxlen = room < 10 ? room : 10;
			uint8_t len = static_cast<uint8_t>(2 + r.below(static_cast<uint32_t>(maxlen - 1)));
			out.push_back(other_kind(r));
			out.push_back(len);
			for (unsigned i = 2; i < len; i++)
				out.push_back(static_cast<uint8_t>(r.below(256)));
		} else if (pick < 82) { // length 0
			if (room < 2)
				continue;
			out.push_back(r.chance(50) ? kToaKinds[r.below(sizeof(kToaKinds))] : other_kind(r));
			out.push_back(0);
		} else if (pick < 87) { // length 1
			if (room < 2)
				continue;
			out.push_back(r.chance(50) ? kToaKinds[r.below(sizeof(kToaKinds))] : other_kind(r));
			out.push_back(1);
		} else if (pick < 97) { // truncated: runs past the end; ends the list
			if (room < 2)
				continue;
			uint8_t kind = r.chance(60) ? kToaKinds[r.below(sizeof(kToaKinds))] : other_kind(r);
			uint32_t over = 1 + r.below(20);
			uint32_t len = static_cast<uint32_t>(room) + over;
			if (len > 255)
				len = 255;
			if (len <= room)
				continue;
			out.push_back(kind);
			out.push_back(static_cast<uint8_t>(len));
			size_t fill = r.below(static_cast<uint32_t>(room - 1));
			for (size_t i = 0; i < fill; i++)
				out.push_back(static_cast<uint8_t>(r.below(256)));
			break;
		} else { // one stray byte at the very end (a kind without its length)
			uint8_t kind = r.chance(50) ? kToaKinds[r.below(sizeof(kToaKinds))] : other_kind(r);
			out.push_back(kind);
			break;
		}
	}
	if (out.size() > budget)
		out.resize(budget);
	return out;
}

} // namespace

RandomCase random_case(Rng &r, const RandomConfig &cfg)
{
	RandomCase c;
	unsigned allowed = cfg.positions & (kAtSyn | kAtAck | kAtData);
	if (!allowed)
		allowed = kAtSyn | kAtAck | kAtData;
	unsigned bits[3];
	unsigned nbits = 0;
	for (unsigned b : {kAtSyn, kAtAck, kAtData})
		if (allowed & b)
			bits[nbits++] = b;
	if (cfg.multi) {
		do {
			c.positions = 0;
			for (unsigned i = 0; i < nbits; i++)
				if (r.chance(50))
					c.positions |= bits[i];
		} while (!c.positions);
	} else {
		c.positions = bits[r.below(nbits)];
	}
	if ((c.positions & kAtData) && !(c.positions & kAtAck))
		c.pure_ack = false;
	else if (c.positions & kAtAck)
		c.pure_ack = true;
	else
		c.pure_ack = r.chance(50);

	// ordinary options: full (20 on the SYN, 12 later), MSS only (4, 0), none (0, 0)
	uint32_t prof = r.below(10);
	c.tcp = TcpOptions{};
	c.tcp.auto_fit = false;
	size_t syn_budget, later_budget;
	if (prof < 6) {
		syn_budget = 20;
		later_budget = 28;
	} else if (prof < 8) {
		c.tcp.sack = false;
		c.tcp.timestamps = false;
		c.tcp.wscale = -1;
		syn_budget = 36;
		later_budget = 40;
	} else {
		c.tcp.mss = false;
		c.tcp.sack = false;
		c.tcp.timestamps = false;
		c.tcp.wscale = -1;
		syn_budget = 40;
		later_budget = 40;
	}
	// The SYN may have the random list before the ordinary options (a malformation
	// then hides them: the server just sees no timestamps). Later segments keep
	// the timestamps first so the kernel always sees them once negotiated.
	c.stack_first = r.chance(50);
	// One list for a packet; drawn again while a Linux >= 6.7 kernel would drop it.
	auto make = [&](bool syn, size_t budget, std::vector<uint8_t> &raw_out) {
		StackOpts so;
		so.syn = syn;
		so.mss = c.tcp.mss;
		so.mss_value = 1460;
		so.sack_perm = c.tcp.sack;
		so.ts = c.tcp.timestamps;
		so.wscale = c.tcp.wscale;
		OptionList l;
		for (int tries = 0; tries < 1000; tries++) {
			raw_out = gen_list(r, budget);
			OptionSpec raw = OptionSpec::raw(raw_out);
			if (!syn || c.stack_first)
				l = {OptionSpec::stack(), raw};
			else
				l = {raw, OptionSpec::stack()};
			EncodedOptions e;
			if (!encode_options(l, so, false, e, nullptr))
				continue;
			bool unsure = cfg.unsure_lo &&
				      linux_drops_options(e.bytes, e.len, cfg.unsure_lo) !=
					      linux_drops_options(e.bytes, e.len, cfg.unsure_hi);
			if (!unsure && !linux_drops_options(e.bytes, e.len, cfg.kernel_minlen))
				break;
		}
		return l;
	};
	if (c.positions & kAtSyn)
		c.syn = make(true, syn_budget, c.syn_raw);
	if (c.positions & kAtAck)
		c.ack = make(false, later_budget, c.ack_raw);
	if (c.positions & kAtData)
		c.data = make(false, later_budget, c.data_raw);
	return c;
}

void apply_case(const RandomCase &rc, ConnConfig &cc)
{
	cc.tcp = rc.tcp;
	cc.pure_ack = rc.pure_ack;
	cc.syn_opts = rc.syn;
	cc.ack_opts = rc.ack;
	cc.data_opts = rc.data;
}

ConnExpectation expect_conn(const Conn &c, uint32_t enabled, bool read_syn, unsigned completes)
{
	if (!completes)
		completes = c.completed_by();
	ConnExpectation e;
	auto one = [enabled](const SentOptions &s, bool syn) -> std::optional<Expectation> {
		if (!s.sent)
			return std::nullopt;
		return expect_first_toa(s.opts.bytes, s.opts.len, enabled, syn);
	};
	e.syn = one(c.sent_syn(), true);
	e.ack = one(c.sent_ack(), false);
	e.data = one(c.sent_data(), false);
	std::optional<Expectation> done;
	if (completes == kAtAck)
		done = e.ack;
	else if (completes == kAtData)
		done = e.data;
	if (done && done->found()) {
		e.overall = *done;
	} else if (read_syn && e.syn && e.syn->found()) {
		e.overall = *e.syn;
		e.from_syn = true;
	} else if (done) {
		e.overall = *done;
	}
	return e;
}

} // namespace toa::lbsim
