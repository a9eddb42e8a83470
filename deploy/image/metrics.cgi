#!/bin/sh
# SPDX-License-Identifier: MIT
# /cgi-bin/metrics of the DaemonSet's metrics container (busybox httpd): the module's
# counters in the Prometheus text format, `toa-inspect stats --prometheus`; 503 when
# the module does not answer.
if out="$(toa-inspect stats --prometheus 2>&1)"; then
  printf 'Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\r\n%s\n' "$out"
else
  printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n%s\n' "$out"
fi
