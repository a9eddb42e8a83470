# SPDX-License-Identifier: MIT
# Sourced in the guest (at /k8s-node.sh; tests/guest/k8s-vm-args.sh puts it there): a
# Kubernetes worker node as kube-proxy and a bridge CNI build it, with Debian's ip,
# iptables (nft backend), ipvsadm, nginx and haproxy. Used by tests/guest/k8s.sh and the
# demo.
#
#   load balancer 198.51.100.2 / 2001:db8:ff::2 --> node 192.0.2.1 / 2001:db8::1 (toa0)
#   NodePort 30080 (nginx), 30081 (haproxy, TCP mode) and 30088 (toa-echo-server, libtoa),
#   UDP 30053 (toa-udp-echo-server, libtoa) --> kube-proxy DNAT
#   (+ MASQUERADE with externalTrafficPolicy: Cluster) --> bridge cni0 192.0.2.65/26,
#   2001:db8:100::1/64 --> pods pod1 .66 / ::66 and pod2 .67 / ::67 (own netns, veth)

# Debian's ip (netns): busybox's shell would run its own applet for a bare "ip"
ip() { /bin/ip "$@"; }
LB="toa-lbsim connect --no-config --timeout 3000"
REQ=474554202f20485454502f312e300d0a0d0a # GET / HTTP/1.0, CR LF CR LF
NODE4=192.0.2.1 NODE6=2001:db8::1
GW4=192.0.2.65 GW6=2001:db8:100::1
export XTABLES_LIBDIR=/usr/lib/xtables
mkdir -p /run /var/run /run/netns /tmp/k8s
# nginx looks its user up even as root
printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' >/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
for t in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore; do ln -sf xtables-nft-multi /bin/$t; done

# node_up: the load balancer's TUN device (persistent), forwarding, the bridge.
node_up() {
  toa-lbsim setup --persist >/tmp/k8s/setup.log 2>&1 || fail tun_setup "$(cat /tmp/k8s/setup.log)"
  sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  ip link add cni0 type bridge
  ip addr add $GW4/26 dev cni0
  ip -6 addr add $GW6/64 dev cni0 nodad
  ip link set cni0 up
}

# pod_up <n>: pod n in its own namespace on the bridge, with nginx on 80 (its access
# log /tmp/k8s/nginx<n>/access.log holds $remote_addr), toa-echo-server on 8080
# (/tmp/k8s/echo<n>.log), haproxy in TCP mode on 8081, forwarding to the echo server
# (its log /tmp/k8s/haproxy<n>.log holds %ci:%cp, one line a connection), and
# toa-udp-echo-server on UDP 8053 (/tmp/k8s/udp<n>.log); n=0 is the node's own
# (hostNetwork) four on 8090, 8091, 8092 and UDP 8093.
pod_up() {
  n=$1
  if [ "$n" = 0 ]; then
    ns= web=8090 echo=8091 tcp=8092 udp=8093
  else
    ns="ip netns exec pod$n" web=80 echo=8080 tcp=8081 udp=8053
    a4=192.0.2.6$((5 + n)) a6=2001:db8:100::6$((5 + n))
    ip netns add pod$n
    ip link add veth$n type veth peer name eth0 netns pod$n
    ip link set veth$n master cni0 up
    ip -n pod$n link set lo up
    ip -n pod$n addr add $a4/26 dev eth0
    ip -n pod$n -6 addr add $a6/64 dev eth0 nodad
    ip -n pod$n link set eth0 up
    ip -n pod$n route add default via $GW4
    ip -n pod$n -6 route add default via $GW6
  fi
  mkdir -p /tmp/k8s/nginx$n
  cat >/tmp/k8s/nginx$n/nginx.conf <<EOF
user root root;
master_process off;
daemon off;
pid /tmp/k8s/nginx$n/pid;
error_log /tmp/k8s/nginx$n/error.log;
events { worker_connections 256; }
http {
    log_format remote '\$remote_addr';
    access_log /tmp/k8s/nginx$n/access.log remote;
    client_body_temp_path /tmp/k8s/nginx$n/body; proxy_temp_path /tmp/k8s/nginx$n/proxy;
    fastcgi_temp_path /tmp/k8s/nginx$n/fcgi; uwsgi_temp_path /tmp/k8s/nginx$n/uwsgi;
    scgi_temp_path /tmp/k8s/nginx$n/scgi;
    server { listen $web; listen [::]:$web; location / { return 200 "pod$n\n"; } }
}
EOF
  $ns nginx -e /tmp/k8s/nginx$n/error.log -p /tmp/k8s/nginx$n -c /tmp/k8s/nginx$n/nginx.conf &
  $ns toa-echo-server-static "[::]:$echo" >/tmp/k8s/echo$n.log 2>&1 &
  # appended: the tests truncate the log while it runs
  command -v toa-udp-echo-server-static >/dev/null &&
    $ns toa-udp-echo-server-static "[::]:$udp" >>/tmp/k8s/udp$n.log 2>&1 &
  # haproxy as root in the foreground (-db): no user, group, chroot or daemon; no syslog
  # in the guest, so it logs to its stdout (appended: the tests truncate the log)
  cat >/tmp/k8s/haproxy$n.cfg <<EOF
global
    log stdout format raw local0
    nbthread 1
    maxconn 256
defaults
    mode tcp
    log global
    option logasap
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend pod$n
    bind 0.0.0.0:$tcp
    bind [::]:$tcp v6only
    log-format "%ci:%cp"
    default_backend echo
backend echo
    server echo 127.0.0.1:$echo
EOF
  $ns haproxy -db -f /tmp/k8s/haproxy$n.cfg >>/tmp/k8s/haproxy$n.log 2>/tmp/k8s/haproxy$n.err &
}

# --- kube-proxy's rules ------------------------------------------------------------
# As kube-proxy writes them: one iptables-restore (ip6tables-restore) a family, which
# replaces the nat table in one transaction (and takes a fraction of the time of one
# iptables command a rule).
# ipt_rules <iptables|ip6tables> <policy: Cluster|Local>: the nat table kube-proxy's
# iptables mode writes for a NodePort Service of two endpoints (nginx 30080 -> 80,
# haproxy 30081 -> 8081, echo 30088 -> 8080, UDP echo 30053 -> 8053); Local: no
# KUBE-MARK-MASQ on the way in, only the node's endpoints.
ipt_rules() {
  t=$1 policy=$2
  if [ "$t" = iptables ]; then p1=192.0.2.66 p2=192.0.2.67; else p1="[2001:db8:100::66]" p2="[2001:db8:100::67]"; fi
  svcs="web:30080:80:tcp haproxy:30081:8081:tcp echo:30088:8080:tcp dns:30053:8053:udp"
  {
    echo '*nat'
    for c in PREROUTING INPUT OUTPUT POSTROUTING; do echo ":$c ACCEPT [0:0]"; done
    for c in KUBE-SERVICES KUBE-NODEPORTS KUBE-POSTROUTING KUBE-MARK-MASQ; do echo ":$c - [0:0]"; done
    for svc in $svcs; do
      N=$(echo ${svc%%:*} | tr a-z A-Z)
      for c in KUBE-EXT-$N KUBE-SVC-$N KUBE-SEP-$N-1 KUBE-SEP-$N-2; do echo ":$c - [0:0]"; done
    done
    echo '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'
    echo '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'
    echo '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'
    echo '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'
    echo '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN'
    echo '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000'
    echo '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'
    for svc in $svcs; do
      IFS=: read -r name np port pr <<EOF3
$svc
EOF3
      N=$(echo $name | tr a-z A-Z)
      echo "-A KUBE-NODEPORTS -p $pr -m comment --comment \"default/$name\" -m $pr --dport $np -j KUBE-EXT-$N"
      [ "$policy" = Cluster ] &&
        echo "-A KUBE-EXT-$N -m comment --comment \"masquerade traffic for default/$name external destinations\" -j KUBE-MARK-MASQ"
      echo "-A KUBE-EXT-$N -j KUBE-SVC-$N"
      echo "-A KUBE-SVC-$N -m comment --comment \"default/$name -> pod1\" -m statistic --mode random --probability 0.5 -j KUBE-SEP-$N-1"
      echo "-A KUBE-SVC-$N -m comment --comment \"default/$name -> pod2\" -j KUBE-SEP-$N-2"
      i=1
      for p in $p1 $p2; do
        src=$(echo $p | tr -d '[]')
        echo "-A KUBE-SEP-$N-$i -s $src -m comment --comment \"default/$name\" -j KUBE-MARK-MASQ"
        echo "-A KUBE-SEP-$N-$i -p $pr -m comment --comment \"default/$name\" -m $pr -j DNAT --to-destination $p:$port"
        i=$((i + 1))
      done
    done
    echo '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
    echo COMMIT
  } | $t-restore
}

# kube-proxy's IPVS mode: a virtual server per NodePort on the node's address,
# masquerading (NAT) forwarding to both pods, and its MASQUERADE of NodePort traffic.
ipvs_rules() {
  sysctl -qw net.ipv4.vs.conntrack=1
  for t in iptables ip6tables; do
    $t-restore <<EOF2
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -j KUBE-NODE-PORT
-A POSTROUTING -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-NODE-PORT -p tcp -m multiport --dports 30080,30081,30088 -j KUBE-MARK-MASQ
-A KUBE-NODE-PORT -p udp -m multiport --dports 30053 -j KUBE-MARK-MASQ
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -j MASQUERADE --random-fully
COMMIT
EOF2
  done
  {
    printf "%s\n" -C
    for svc in 30080:80:t 30081:8081:t 30088:8080:t 30053:8053:u; do
      IFS=: read -r np port pr <<EOF3
$svc
EOF3
      # kube-proxy: a virtual server on every node address (-t TCP, -u UDP)
      for vip in $NODE4 $GW4; do
        echo "-A -$pr $vip:$np -s rr"
        echo "-a -$pr $vip:$np -r 192.0.2.66:$port -m"
        echo "-a -$pr $vip:$np -r 192.0.2.67:$port -m"
      done
      echo "-A -$pr [$NODE6]:$np -s rr"
      echo "-a -$pr [$NODE6]:$np -r [2001:db8:100::66]:$port -m"
      echo "-a -$pr [$NODE6]:$np -r [2001:db8:100::67]:$port -m"
    done
  } | ipvsadm -R
}

no_rules() {
  ipvsadm -C 2>/dev/null
  for t in iptables ip6tables; do printf '*nat\nCOMMIT\n' | $t-restore; done
}
