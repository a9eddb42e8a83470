# SPDX-License-Identifier: MIT
# In the guest: the demo's story. Lines starting with "DEMO|" are shown to the user.
say() { echo "DEMO| $*"; }
run() {
  echo "DEMO|   # $*"
  "$@" >/tmp/run.out 2>&1
  rc=$?
  sed 's/^/DEMO|   /' /tmp/run.out
  return $rc
}
. /result.sh  # pass, fail, check (tests/guest/result.sh)
last_accept() { grep '^accepted' /tmp/server.log | tail -n 1; }
wait_accepts() { for i in $(seq 1 50); do [ "$(grep -c '^accepted' /tmp/server.log)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

say "A Kubernetes worker node: Debian's $(uname -r) kernel, booted in QEMU, no network."
say "Addresses (documentation ranges): the node 192.0.2.1, the load balancer's SNAT"
say "address 198.51.100.2, clients 203.0.113.7 and 2001:db8:c::7."
say ""
say "1. Load the module, as on a node: insmod, then verify with lsmod and dmesg."
run insmod "$TOA_MODULES/toa.ko"
check insmod 'lsmod | grep -q "^toa "'
run sh -c 'lsmod | grep toa'
run sh -c 'dmesg | grep -i "toa:" | grep -v taint'
say ""
say "2. Start the example server (examples/echo_server.cpp, linked with libtoa) on port 8080."
say "   It logs, for each connection, the client libtoa reports and where it came from."
toa-echo-server-static 8080 >/tmp/server.log 2>&1 &
sleep 0.5
run cat /tmp/server.log
say ""
say "3. Client 203.0.113.7:40000 connects through Tencent CLB. The node sees the connection"
say "   coming from the load balancer (198.51.100.2); the client is only in TCP option"
say "   kind 200 (TCPOPT_ADDR) on the handshake ACK. The simulator plays the load balancer."
toa-lbsim connect --server 192.0.2.1:8080 --lb 198.51.100.2 --client 203.0.113.7:40000 \
  --format 200/8 --at ack --send "hello from 203.0.113.7" --expect-echo --hold 3000 \
  >/tmp/lb1.out 2>&1 &
lb=$!
wait_accepts 1
say "   While the connection is open, toa-inspect lists it (load balancer and real client):"
run toa-inspect conns
wait $lb
run cat /tmp/lb1.out
say "   The server logged:"
run sh -c 'grep "^accepted" /tmp/server.log | tail -n 1'
check clb_ipv4_client 'last_accept | grep -q "client=203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:"' "$(last_accept)"
say "   -> the real client 203.0.113.7:40000, not the load balancer."
say ""
say "4. An IPv6 client, 2001:db8:c::7, reaches the IPv4 node through CLB's NAT64: option"
say "   kind 253 carries the IPv6 address (the server can't see it with getpeername())."
run toa-lbsim connect --server 192.0.2.1:8080 --lb 198.51.100.2 --client '[2001:db8:c::7]:40001' \
  --format 253/20 --at ack --send "hello over NAT64" --expect-echo
wait_accepts 2
run sh -c 'grep "^accepted" /tmp/server.log | tail -n 1'
check clb_nat64_client 'last_accept | grep -q "client=\[2001:db8:c::7\]:40001 via=TOA(kind 253, ack)"' "$(last_accept)"
say "   -> the IPv6 client, through libtoa (getsockopt TOA_SO_GET_CLIENT)."
say ""
say "5. A client that connects directly, without a load balancer: no option, so the"
say "   server sees the plain peer, as without the module."
run toa-lbsim connect --server 192.0.2.1:8080 --lb 203.0.113.50 --no-toa --send "hi" --expect-echo
wait_accepts 3
run sh -c 'grep "^accepted" /tmp/server.log | tail -n 1'
check direct_client 'last_accept | grep -q "client=203.0.113.50:[0-9]* via=peer"' "$(last_accept)"
say ""
say "6. The module's counters (toa-inspect stats; also /proc/net/toa_stats):"
run toa-inspect stats
check stats_counted 'toa-inspect stats --json | grep -q "\"syn_recv_sock_toa\": *2"' "$(toa-inspect stats --json 2>&1 | head -c 300)"
say ""
say "7. The TKE picture: load balancer -> NodePort 30080 -> kube-proxy (DNAT, and SNAT for"
say "   externalTrafficPolicy: Cluster) -> a pod in its own network namespace, running"
say "   Debian's nginx, which logs \$remote_addr. The pod's peer is the node (SNAT), so the"
say "   ingress guard decides: options from outside the load balancers' range are wiped"
say "   in the node's namespace before NAT; the pod reads only what it let through."
. /k8s-node.sh
node_up
pod_up 1
pod_up 2
ipt_rules iptables Cluster
run toa-inspect config set trusted 198.51.100.0/24 guard on
run sh -c 'iptables -t nat -S KUBE-SVC-WEB; iptables -t nat -S KUBE-SEP-WEB-1 | grep DNAT'
sleep 1
nginx_log() { cat /tmp/k8s/nginx1/access.log /tmp/k8s/nginx2/access.log; }
say "   The load balancer sends client 203.0.113.7 (option 200/8 on the ACK):"
run toa-lbsim connect --no-config --server 192.0.2.1:30080 --lb 198.51.100.2 \
  --client 203.0.113.7:40010 --format 200/8 --send-hex 474554202f20485454502f312e300d0a0d0a --close wait -q
sleep 0.3
run sh -c 'echo "pods'"'"' nginx access log:"; cat /tmp/k8s/nginx1/access.log /tmp/k8s/nginx2/access.log'
check tke_pod_sees_client 'nginx_log | grep -qx 203.0.113.7' "$(nginx_log | tr '\n' ' ')"
say "   -> nginx in the pod, unmodified, logged the real client."
: >/tmp/k8s/nginx1/access.log; : >/tmp/k8s/nginx2/access.log
say "   A client connects to the NodePort directly and forges 192.0.2.99 in its own option:"
run toa-lbsim connect --no-config --server 192.0.2.1:30080 --lb 203.0.113.66 \
  --client 192.0.2.99:1 --format 200/8 --send-hex 474554202f20485454502f312e300d0a0d0a --close wait -q
sleep 0.3
run sh -c 'echo "pods'"'"' nginx access log:"; cat /tmp/k8s/nginx1/access.log /tmp/k8s/nginx2/access.log'
check tke_forged_stripped 'nginx_log | grep -q . && ! nginx_log | grep -q 192.0.2.99' "$(nginx_log | tr '\n' ' ')"
run sh -c 'toa-inspect stats | grep guard'
say "   -> the guard wiped the forged option (guard_stripped): nginx logged the node (SNAT),"
say "      never the forged address."
no_rules
kill $(pidof nginx) $(pidof haproxy) 2>/dev/null
say ""
say "8. Unload: rmmod works at any time; sockets keep working without the module."
run rmmod toa
run sh -c 'dmesg | grep -i "toa unload"'
check rmmod '! lsmod | grep -q "^toa "'
say ""
say "Done: the server saw 203.0.113.7 and 2001:db8:c::7 behind the load balancer."
