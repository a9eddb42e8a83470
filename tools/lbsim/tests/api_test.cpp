// SPDX-License-Identifier: MIT
//
// lbsim_api_test: exercises the library API in a guest (needs root and tun), against
// the example echo server (toa-echo-server-static) on port 8080. Prints `RESULT <name> PASS|FAIL <detail>`.
//
//   lbsim_api_test [--sequential N] [--concurrent N] [--port P]
#include "lbsim.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace toa::lbsim;

namespace {

int failures = 0;

void result(const std::string &name, bool ok, const std::string &detail = "")
{
	printf("RESULT %s %s%s%s\n", name.c_str(), ok ? "PASS" : "FAIL", detail.empty() ? "" : " ",
	       detail.c_str());
	fflush(stdout);
	if (!ok)
		failures++;
}

ConnConfig base(bool v6, uint16_t port)
{
	ConnConfig cc;
	cc.lb = *Endpoint::parse(v6 ? "2001:db8:ff::2" : "198.51.100.2", false);
	cc.server = *Endpoint::parse(v6 ? "[2001:db8::1]:0" : "192.0.2.1:0");
	cc.server.port = port;
	return cc;
}

// One full connection: option at `at`, echo, FIN. Returns "" or what went wrong.
std::string one(Stack &st, bool v6, uint16_t port, Format f, unsigned at, bool pure_ack)
{
	ConnConfig cc = base(v6, port);
	Endpoint client = *Endpoint::parse(format_info(f).family == AF_INET ? "203.0.113.9:1234"
									   : "[2001:db8:c::9]:1234");
	cc.set_options({OptionSpec::toa(f, client)}, at);
	cc.pure_ack = pure_ack;
	Conn c(st, cc);
	if (!c.connect(5000))
		return "connect: " + c.error();
	if (!c.send("ping"))
		return "send: " + c.error();
	std::string got;
	if (!c.recv(got, 4, 5000) || got != "ping")
		return "echo: got '" + got + "' " + c.error();
	if (!c.close_fin(5000))
		return "close: " + c.error() + " state " + state_name(c.state());
	// A receiver reading SYNs (the module's syn=1) finds the client wherever it was sent;
	// one that does not finds none when only the SYN carried it.
	Expectation e = expect_conn(c, TOA_FMT_ALL, true).overall;
	if (!e.found() || e.client != client)
		return "expectation (syn read) " + e.str();
	Expectation no_syn = expect_conn(c, TOA_FMT_ALL, false).overall;
	if (at == kAtSyn ? no_syn.found() : (!no_syn.found() || no_syn.client != client))
		return "expectation (syn not read) " + no_syn.str();
	if (at == kAtData && c.completed_by() != kAtData)
		return "data segment did not complete the handshake";
	return "";
}

} // namespace

int main(int argc, char **argv)
{
	int sequential = 1000, concurrent = 200;
	uint16_t port = 8080;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--sequential" && i + 1 < argc)
			sequential = atoi(argv[++i]);
		else if (a == "--concurrent" && i + 1 < argc)
			concurrent = atoi(argv[++i]);
		else if (a == "--port" && i + 1 < argc)
			port = static_cast<uint16_t>(atoi(argv[++i]));
		else {
			fprintf(stderr, "usage: lbsim_api_test [--sequential N] [--concurrent N] [--port P]\n");
			return 2;
		}
	}
	Tun tun;
	std::string err;
	TunConfig tc;
	if (!tun.open(tc, &err)) {
		result("api_tun_open", false, err);
		return 1;
	}
	result("api_tun_open", true);
	Stack st(tun);

	// every position, both families
	struct {
		bool v6;
		Format f;
	} fams[] = {{false, Format::F200_8}, {false, Format::F254_8}, {true, Format::F254_20},
		    {true, Format::F253_20}, {false, Format::F253_20} /* NAT64 */};
	for (auto &fm : fams) {
		for (unsigned at : {unsigned(kAtSyn), unsigned(kAtAck), unsigned(kAtData),
				    unsigned(kAtSyn | kAtAck | kAtData)}) {
			bool pure_ack = at != kAtData;
			std::string r = one(st, fm.v6, port, fm.f, at, pure_ack);
			result(std::string("api_") + (fm.v6 ? "v6_" : "v4_") + format_info(fm.f).name +
				       "_at_" + positions_str(at),
			       r.empty(), r);
		}
	}

	// sequential connections, timed
	{
		uint64_t t0 = st.update_clock();
		int bad = 0;
		std::string first_err;
		for (int i = 0; i < sequential; i++) {
			std::string r = one(st, i % 2, port, i % 2 ? Format::F254_20 : Format::F200_8,
					    kAtAck, true);
			if (!r.empty()) {
				if (!bad)
					first_err = r;
				bad++;
			}
		}
		uint64_t ms = st.update_clock() - t0;
		printf("sequential: %d connections in %llu ms (%.0f/s)\n", sequential,
		       (unsigned long long)ms, ms ? sequential * 1000.0 / ms : 0.0);
		result("api_sequential_" + std::to_string(sequential), bad == 0,
		       bad ? std::to_string(bad) + " failed, first: " + first_err : "");
	}

	// concurrent connections: all open at once, then data, then close
	{
		std::vector<std::unique_ptr<Conn>> conns;
		for (int i = 0; i < concurrent; i++) {
			ConnConfig cc = base(i % 2, port);
			Endpoint client = *Endpoint::parse(i % 2 ? "[2001:db8:c::1]:1" : "203.0.113.1:1");
			client.port = static_cast<uint16_t>(10000 + i);
			cc.set_options({OptionSpec::toa(i % 2 ? Format::F253_20 : Format::F200_8, client)},
				       kAtAck);
			conns.push_back(std::make_unique<Conn>(st, cc));
			conns.back()->start();
		}
		bool ok = st.run_until(
			[&] {
				for (auto &c : conns)
					if (c->state() == State::SynSent)
						return false;
				return true;
			},
			20000);
		int est = 0;
		for (auto &c : conns)
			est += c->established();
		result("api_concurrent_handshakes_" + std::to_string(concurrent),
		       ok && est == concurrent, std::to_string(est) + " established");
		printf("open at once: %zu\n", st.open_conns());
		for (size_t i = 0; i < conns.size(); i++)
			conns[i]->send("conn " + std::to_string(i) + "\n");
		std::vector<std::string> got(conns.size());
		st.run_until(
			[&] {
				bool all = true;
				for (size_t i = 0; i < conns.size(); i++) {
					got[i] += conns[i]->rx();
					conns[i]->rx().clear();
					if (got[i].size() < ("conn " + std::to_string(i) + "\n").size())
						all = false;
				}
				return all;
			},
			20000);
		int echo_ok = 0;
		for (size_t i = 0; i < conns.size(); i++)
			echo_ok += got[i] == "conn " + std::to_string(i) + "\n";
		result("api_concurrent_echo", echo_ok == concurrent, std::to_string(echo_ok) + " echoed");
		for (auto &c : conns)
			c->shutdown();
		st.run_until(
			[&] {
				for (auto &c : conns)
					if (c->state() != State::Closed && !c->finished())
						return false;
				return true;
			},
			20000);
		int closed = 0;
		for (auto &c : conns)
			closed += c->state() == State::Closed;
		result("api_concurrent_fin", closed == concurrent, std::to_string(closed) + " closed");
		conns.clear();
	}

	// RST close: the server sees a reset; a new connection on the same port works
	{
		ConnConfig cc = base(false, port);
		cc.lb.port = 33333;
		{
			Conn c(st, cc);
			bool ok = c.connect(5000) && c.send("x");
			std::string got;
			ok = ok && c.recv(got, 1, 5000);
			c.close_rst();
			result("api_rst_close", ok && c.state() == State::Closed, c.error());
		}
		Conn d(st, cc);
		bool ok = d.connect(5000) && d.close_fin(5000);
		result("api_port_reuse_after_rst", ok, d.error());
	}

	// a closed port: RST on the SYN
	{
		ConnConfig cc = base(false, 9);
		Conn c(st, cc);
		c.connect(5000);
		result("api_closed_port_reset", c.state() == State::Reset, state_name(c.state()));
	}

	const StackStats &s = st.stats();
	printf("stats: tx %llu rx %llu bad_csum %llu unknown %llu retransmits %llu\n",
	       (unsigned long long)s.tx_packets, (unsigned long long)s.rx_packets,
	       (unsigned long long)s.rx_bad_csum, (unsigned long long)s.rx_unknown,
	       (unsigned long long)s.retransmits);
	result("api_no_bad_checksums", s.rx_bad_csum == 0);
	return failures ? 1 : 0;
}
