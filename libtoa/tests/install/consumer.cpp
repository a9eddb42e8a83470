// SPDX-License-Identifier: MIT
// An installed-libtoa consumer in C++: a loopback connection must come back as the peer,
// and the installed carriers' parsers must read a PROXY v1 header.
#include <toa/carriers.hpp>
#include <toa/toa.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

int main()
{
	if (std::strcmp(toa::version(), TOA_VERSION_STRING) != 0) {
		std::cerr << "version " << toa::version() << " != header " << TOA_VERSION_STRING << "\n";
		return 1;
	}
	int l = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (bind(l, reinterpret_cast<sockaddr *>(&a), sizeof(a)) || listen(l, 1) ||
	    getsockname(l, reinterpret_cast<sockaddr *>(&a), &len))
		return 1;
	auto lr = toa::get_client(l);
	if (lr || lr.error() != toa::errc::listening) {
		std::cerr << "listening socket not detected: " << lr.error().message() << "\n";
		return 1;
	}
	int cl = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(cl, reinterpret_cast<sockaddr *>(&a), sizeof(a)))
		return 1;
	int s = accept(l, nullptr, nullptr);
	auto mine = toa::get_local(cl);
	auto c = toa::get_client(s);
	if (!c || !mine) {
		std::cerr << "get_client: " << c.error().message() << "\n";
		return 1;
	}
	std::cout << "C++ consumer: libtoa " << toa::version() << " client=" << *c << "\n";
	if (c->address != *mine || c->origin != toa::origin::peer) {
		std::cerr << "want " << *mine << " via=peer\n";
		return 1;
	}
	static const char v1[] = "PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n";
	auto h = toa::parse_proxy(v1, sizeof(v1) - 1);
	if (!h || toa::to_string(h->source()) != "203.0.113.7:40000" || h->length() != 43) {
		std::cerr << "parse_proxy: " << h.error().message() << "\n";
		return 1;
	}
	close(s);
	close(cl);
	close(l);
	return 0;
}
