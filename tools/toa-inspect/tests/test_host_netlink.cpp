// SPDX-License-Identifier: MIT
// The real transport and the codec against this host's kernel: the generic
// netlink controller answers for its own family "nlctrl" (always there), an
// ENOENT for "toa" (the module is never loaded on a build host), an extended
// ack for a request its policy refuses, and a multipart dump of the families.
#include <gtest/gtest.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <string>
#include <sys/stat.h>

#include "nlmsg.h"
#include "transport.h"

using namespace toa_inspect;

namespace {

class HostNetlink : public ::testing::Test {
protected:
	void SetUp() override
	{
		int err = 0;
		t = open_netlink(&err);
		if (!t)
			GTEST_SKIP() << "no generic netlink socket here: " << err;
	}

	// Sends req and feeds the answer to a controller reply.
	nl::Reply ask(const std::vector<uint8_t> &req, uint32_t seq, int *datagrams = nullptr)
	{
		nl::Reply r;
		r.kind = nl::ReplyKind::ctrl;
		r.msg_type = GENL_ID_CTRL;
		r.seq = seq;
		r.portid = t->portid();
		EXPECT_EQ(t->send(req.data(), req.size()), 0);
		std::vector<uint8_t> buf(nl::kRecvBufferSize);
		int n = 0;
		while (!r.finished()) {
			ssize_t len = t->recv(buf.data(), buf.size());
			if (len <= 0) {
				ADD_FAILURE() << "recv: " << -len;
				break;
			}
			n++;
			nl::feed(r, buf.data(), static_cast<size_t>(len));
		}
		if (datagrams)
			*datagrams = n;
		return r;
	}

	std::unique_ptr<Transport> t;
};

} // namespace

TEST_F(HostNetlink, ResolvesTheControllersOwnFamily)
{
	uint32_t seq = t->next_seq();
	nl::Reply r = ask(nl::build_get_family(seq, "nlctrl"), seq);
	EXPECT_TRUE(r.done); // the ACK after the answer
	EXPECT_EQ(r.error, 0) << r.malformed;
	ASSERT_TRUE(r.family);
	EXPECT_EQ(r.family->id, GENL_ID_CTRL);
	EXPECT_EQ(r.family->name, "nlctrl");
}

TEST_F(HostNetlink, NoToaFamilyHere)
{
	struct stat st;
	if (stat("/sys/module/toa", &st) == 0)
		GTEST_SKIP() << "the toa module is loaded on this host";
	uint32_t seq = t->next_seq();
	nl::Reply r = ask(nl::build_get_family(seq), seq);
	EXPECT_EQ(r.error, ENOENT);
	EXPECT_FALSE(r.family);
}

TEST_F(HostNetlink, ExtendedAckFromThePolicy)
{
	// CTRL_ATTR_FAMILY_NAME is at most GENL_NAMSIZ - 1 bytes.
	std::string name(GENL_NAMSIZ * 2, 'a');
	uint32_t seq = t->next_seq();
	nl::Reply r = ask(nl::build_get_family(seq, name.c_str()), seq);
	EXPECT_EQ(r.error, EINVAL);
	// Kernels since 4.12 explain; older ones only give the errno.
	if (!r.extack.empty()) {
		EXPECT_NE(r.extack.find("valid"), std::string::npos) << r.extack;
	}
}

TEST_F(HostNetlink, DumpOfTheFamilies)
{
	uint32_t seq = t->next_seq();
	std::vector<uint8_t> req = nl::build_get_family(seq, "nlctrl");
	// The same request as a dump, without the name.
	req.resize(NLMSG_HDRLEN + GENL_HDRLEN);
	auto *nlh = reinterpret_cast<nlmsghdr *>(req.data());
	nlh->nlmsg_len = static_cast<uint32_t>(req.size());
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nl::Reply r = ask(req, seq);
	EXPECT_TRUE(r.done); // NLMSG_DONE
	EXPECT_EQ(r.error, 0) << r.malformed;
	EXPECT_GE(r.messages, 2u); // nlctrl and at least one more family
}
